//! Numbers as the estimate prints them: counts with thousands separators, sizes in GB, dollars.

/// `1234567.8` → `1,234,568`; below 10, one decimal (`2.5`).
pub fn count(n: f64) -> String {
    if n.abs() < 10.0 && n.fract() != 0.0 {
        return format!("{n:.1}");
    }
    let digits = format!("{:.0}", n.abs());
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(c);
    }
    if n < 0.0 && digits != "0" { format!("-{out}") } else { out }
}

/// Bytes as GB with enough digits to be non-zero for small amounts.
pub fn gb(bytes: f64) -> String {
    let g = bytes / crate::workload::GB;
    if g >= 100.0 {
        format!("{} GB", count(g))
    } else if g >= 0.1 {
        format!("{g:.2} GB")
    } else {
        format!("{g:.4} GB")
    }
}

/// Dollars with cents: `$1,234.56`, `-$3.10`.
pub fn usd(v: f64) -> String {
    let cents = (v * 100.0).round();
    let sign = if cents < 0.0 { "-" } else { "" };
    let cents = cents.abs();
    format!("{sign}${}.{:02}", count((cents / 100.0).trunc()), (cents % 100.0) as u64)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats() {
        assert_eq!(count(1_234_567.8), "1,234,568");
        assert_eq!(count(999.0), "999");
        assert_eq!(count(2.5), "2.5");
        assert_eq!(count(-1500.0), "-1,500");
        assert_eq!(usd(1234.567), "$1,234.57");
        assert_eq!(usd(-3.1), "-$3.10");
        assert_eq!(usd(0.004), "$0.00");
        assert_eq!(gb(1.5 * crate::workload::GB), "1.50 GB");
    }
}

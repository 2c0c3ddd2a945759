//! How often a schedule expression fires in a month: EventBridge and Glue `rate(...)` and
//! `cron(...)` (minutes hours day-of-month month day-of-week year, UTC). A month is 730 hours,
//! as AWS prices it.

/// Hours in the month the estimate prices.
pub const MONTH_HOURS: f64 = 730.0;
/// Days in that month.
pub const MONTH_DAYS: f64 = MONTH_HOURS / 24.0;

/// Runs a month of `expr`, or `None` when it is not an expression this reads.
pub fn runs_per_month(expr: &str) -> Option<f64> {
    let expr = expr.trim();
    if let Some(body) = expr.strip_prefix("rate(").and_then(|s| s.strip_suffix(')')) {
        let mut parts = body.split_whitespace();
        let n: f64 = parts.next()?.parse().ok()?;
        let unit = parts.next()?;
        if parts.next().is_some() || n <= 0.0 {
            return None;
        }
        let minutes = match unit.trim_end_matches('s') {
            "minute" => n,
            "hour" => n * 60.0,
            "day" => n * 1440.0,
            _ => return None,
        };
        return Some(MONTH_HOURS * 60.0 / minutes);
    }
    let body = expr.strip_prefix("cron(")?.strip_suffix(')')?;
    let fields: Vec<&str> = body.split_whitespace().collect();
    let [minutes, hours, dom, month, dow, _year] = fields[..] else {
        return None;
    };
    let per_hour = count(minutes, 0, 59)?;
    let per_day = count(hours, 0, 23)?;
    // Day-of-month and day-of-week: one of them is `?` (or `*`); the other says which days.
    let days_share = match (dom, dow) {
        ("?" | "*", "?" | "*") => 1.0,
        ("?" | "*", d) => count(d, 1, 7)? / 7.0,
        (d, _) => count(d, 1, 31)? / 31.0,
    };
    let months_share = if month == "*" { 1.0 } else { count(month, 1, 12)? / 12.0 };
    Some(per_hour * per_day * MONTH_DAYS * days_share * months_share)
}

/// How many values of `lo..=hi` a cron field (`*`, `a`, `a-b`, `*/n`, `a/n`, lists; day and
/// month names) selects. `L`, `W` and `#` forms count as one value each.
fn count(field: &str, lo: u32, hi: u32) -> Option<f64> {
    let mut total = 0.0;
    for part in field.split(',') {
        let (range, step) = match part.split_once('/') {
            Some((r, s)) => (r, s.parse::<u32>().ok().filter(|s| *s > 0)?),
            None => (part, 1),
        };
        let (a, b) = match range {
            "*" | "?" => (lo, hi),
            r => match r.split_once('-') {
                Some((a, b)) => (value(a)?, value(b)?),
                None if r.contains(['L', 'W', '#']) => (0, 0),
                None if step > 1 => (value(r)?, hi),
                None => {
                    let v = value(r)?;
                    (v, v)
                }
            },
        };
        if a > b {
            return None;
        }
        total += f64::from((b - a) / step + 1);
    }
    Some(total)
}

/// A cron field's number, or a day (SUN=1 .. SAT=7) or month (JAN=1 .. DEC=12) name.
fn value(s: &str) -> Option<u32> {
    const DAYS: [&str; 7] = ["SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT"];
    const MONTHS: [&str; 12] = ["JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC"];
    if let Ok(n) = s.parse() {
        return Some(n);
    }
    let upper = s.to_ascii_uppercase();
    let at = |names: &[&str]| names.iter().position(|n| *n == upper).map(|i| i as u32 + 1);
    at(&DAYS).or_else(|| at(&MONTHS))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rates() {
        assert_eq!(runs_per_month("rate(5 minutes)"), Some(8760.0));
        assert_eq!(runs_per_month("rate(1 minute)"), Some(43800.0));
        assert_eq!(runs_per_month("rate(1 hour)"), Some(730.0));
        assert_eq!(runs_per_month("rate(2 days)"), Some(365.0 / 24.0));
        assert_eq!(runs_per_month("rate(0 minutes)"), None);
        assert_eq!(runs_per_month("rate(5 fortnights)"), None);
    }

    #[test]
    fn crons() {
        // Daily at 00:30: a run a day.
        assert_eq!(runs_per_month("cron(30 0 * * ? *)"), Some(MONTH_DAYS));
        // Every 15 minutes on weekdays.
        let weekdays = 4.0 * 24.0 * MONTH_DAYS * 5.0 / 7.0;
        assert_eq!(runs_per_month("cron(0/15 * ? * MON-FRI *)"), Some(weekdays));
        assert_eq!(runs_per_month("cron(*/15 * ? * 2-6 *)"), Some(weekdays));
        // Hourly on the 1st and the 15th.
        assert_eq!(runs_per_month("cron(0 * 1,15 * ? *)"), Some(24.0 * MONTH_DAYS * 2.0 / 31.0));
        assert_eq!(runs_per_month("cron(0 12 * *)"), None);
        assert_eq!(runs_per_month("every day"), None);
    }
}

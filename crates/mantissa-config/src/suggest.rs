//! "Did you mean ...?" suggestions for misspelt keys, variables and addresses.

/// The candidate closest to `word`, when it is close enough to be a plausible typo.
pub fn closest<'a>(word: &str, candidates: impl IntoIterator<Item = &'a str>) -> Option<&'a str> {
    let mut best: Option<(usize, &str)> = None;
    for c in candidates {
        if c == word {
            continue;
        }
        let d = distance(word, c);
        // A missing suffix (`log_retention` for `log_retention_days`) is a common slip that
        // plain edit distance scores too harshly.
        let prefix = !word.is_empty() && (c.starts_with(word) || word.starts_with(c));
        let limit = (word.chars().count().max(c.chars().count()) / 3).max(2);
        if (d <= limit || prefix) && best.is_none_or(|(bd, _)| d < bd) {
            best = Some((d, c));
        }
    }
    best.map(|(_, c)| c)
}

/// `help` text for a suggestion, if there is one.
pub fn did_you_mean<'a>(word: &str, candidates: impl IntoIterator<Item = &'a str>) -> Option<String> {
    closest(word, candidates).map(|c| format!("did you mean `{c}`?"))
}

/// Levenshtein distance over characters.
fn distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut cur = vec![i + 1; b.len() + 1];
        for (j, cb) in b.iter().enumerate() {
            let subst = prev[j] + usize::from(ca != *cb);
            cur[j + 1] = subst.min(prev[j + 1] + 1).min(cur[j] + 1);
        }
        prev = cur;
    }
    prev[b.len()]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn suggests_close_names_only() {
        assert_eq!(closest("regoin", ["environment", "region", "stack"]), Some("region"));
        assert_eq!(closest("log_retention", ["log_retention_days", "llm_provider"]), Some("log_retention_days"));
        assert_eq!(closest("zzzzzz", ["region", "stack"]), None);
        assert_eq!(distance("kitten", "sitting"), 3);
    }
}

//! `--usage FILE`: a YAML map of usage figures (keys of [`crate::usage::KEYS`]) that replace the
//! assumed ones. An unknown key, a value that is not a number, or a number out of its range is a
//! diagnostic at its file:line:column.

use crate::usage::{self, KEYS};
use mantissa_config::node::{self, NodeKind};
use mantissa_config::{Diagnostic, Diagnostics, Loc, SourceFile};
use std::collections::BTreeMap;
use std::path::Path;

/// Reads the usage file at `path` (shown in diagnostics as given).
pub fn read(path: &Path) -> Result<BTreeMap<String, f64>, UsageFileError> {
    let text = std::fs::read_to_string(path).map_err(|e| UsageFileError::Read(path.display().to_string(), e))?;
    parse(path, &text).map_err(UsageFileError::Invalid)
}

/// Why a usage file could not be used.
#[derive(Debug, thiserror::Error)]
pub enum UsageFileError {
    #[error("reading the usage file {0}: {1}")]
    Read(String, std::io::Error),
    #[error(transparent)]
    Invalid(Diagnostics),
}

/// Parses a usage file's text: every problem at once.
pub fn parse(path: &Path, text: &str) -> Result<BTreeMap<String, f64>, Diagnostics> {
    let file = SourceFile::new(path, text);
    let root = node::parse(&file).map_err(Diagnostics)?;
    let entries = match &root.kind {
        NodeKind::Map(entries) => entries,
        NodeKind::Null => return Ok(BTreeMap::new()),
        _ => {
            let loc = Loc::file_start(&file);
            return Err(Diagnostic::at(
                &loc,
                format!("a usage file is a map of figures, found a {}", root.kind_name()),
            )
            .with_help(known_keys())
            .into());
        }
    };
    let mut values = BTreeMap::new();
    let mut errors = Vec::new();
    for e in entries {
        let Some(k) = usage::key(&e.key) else {
            errors.push(Diagnostic::at(&e.key_loc, format!("unknown usage key `{}`", e.key)).with_help(known_keys()));
            continue;
        };
        let number = match &e.value.kind {
            NodeKind::Number(n) => n.as_f64(),
            _ => None,
        };
        match number {
            Some(v) if k.range.accepts(v) => {
                values.insert(e.key.clone(), v);
            }
            Some(v) => errors
                .push(Diagnostic::at(&e.value.loc, format!("`{}` is {v}: it must be {}", k.key, k.range.describe()))),
            None => errors.push(Diagnostic::at(
                &e.value.loc,
                format!("`{}` must be {}, found a {}", k.key, k.range.describe(), e.value.kind_name()),
            )),
        }
    }
    if errors.is_empty() { Ok(values) } else { Err(Diagnostics(errors)) }
}

fn known_keys() -> String {
    let keys: Vec<&str> = KEYS.iter().map(|k| k.key).collect();
    format!("usage keys: {}", keys.join(", "))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn errors(text: &str) -> Vec<String> {
        parse(Path::new("usage.yaml"), text).unwrap_err().0.iter().map(|d| d.to_string()).collect()
    }

    #[test]
    fn figures_are_read() {
        let v = parse(Path::new("u.yaml"), "event_bytes: 900\ncompression_ratio: 0.25\n").unwrap();
        assert_eq!(v["event_bytes"], 900.0);
        assert_eq!(v["compression_ratio"], 0.25);
        assert!(parse(Path::new("u.yaml"), "").unwrap().is_empty());
    }

    #[test]
    fn an_unknown_key_is_named_at_its_place() {
        let e = errors("event_bytes: 900\ndetection_rulez: 3\n");
        assert_eq!(e.len(), 1);
        assert!(e[0].starts_with("usage.yaml:2:1: unknown usage key `detection_rulez`"), "{e:?}");
    }

    #[test]
    fn a_bad_number_is_named_at_its_value() {
        let e = errors("event_bytes: lots\ncompression_ratio: 1.5\nevents_per_month: 0\n");
        assert_eq!(e.len(), 3, "{e:?}");
        assert!(
            e[0].starts_with("usage.yaml:1:14: `event_bytes` must be a number greater than 0, found a string"),
            "{e:?}"
        );
        assert!(e[1].starts_with("usage.yaml:2:20: `compression_ratio` is 1.5"), "{e:?}");
        assert!(e[2].contains("3:19") && e[2].contains("greater than 0"), "{e:?}");
    }

    #[test]
    fn a_list_is_not_a_usage_file() {
        let e = errors("- 1\n- 2\n");
        assert!(e[0].starts_with("usage.yaml:1:1: a usage file is a map"), "{e:?}");
    }
}

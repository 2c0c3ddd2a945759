//! Firehose's S3 prefix expressions (`!{timestamp:yyyy}`, `!{firehose:random-string}`,
//! `!{firehose:error-output-type}`) and the rules AWS applies to `Prefix` and
//! `ErrorOutputPrefix` (developer guide, "Custom Prefixes for Amazon S3 Objects"):
//! - `!{` may only open an expression; namespaces are `timestamp` and `firehose` (the
//!   `partitionKeyFrom*` ones need dynamic partitioning, which this type does not configure);
//! - a prefix with expressions needs an error output prefix;
//! - `!{firehose:error-output-type}` may appear only in the error output prefix, and an error
//!   output prefix with expressions must contain it.

use crate::decode::is_unknown;
use mantissa_engine::PropertyError;

/// One `!{namespace:value}` expression.
#[derive(Debug, PartialEq, Eq)]
pub struct Expression<'a> {
    pub namespace: &'a str,
    pub value: &'a str,
}

/// The letters Java's DateTimeFormatter gives a meaning to; any other unquoted letter makes
/// the pattern invalid (and Firehose refuses the prefix).
const PATTERN_LETTERS: &str = "GuyDMLdQqYwWEecFaBhKkHmsSAnNVvzOXxZp";

/// The expressions in `prefix`, or why it is malformed.
pub fn expressions(prefix: &str) -> Result<Vec<Expression<'_>>, String> {
    let mut found = Vec::new();
    let mut rest = prefix;
    while let Some(start) = rest.find("!{") {
        let body = &rest[start + 2..];
        let end = body.find('}').ok_or_else(|| "`!{` opens an expression that is never closed with `}`".to_string())?;
        let inner = &body[..end];
        let (namespace, value) =
            inner.split_once(':').ok_or_else(|| format!("`!{{{inner}}}` is not of the form !{{namespace:value}}"))?;
        match namespace {
            "timestamp" => check_timestamp(value)?,
            "firehose" if matches!(value, "random-string" | "error-output-type") => {}
            "firehose" => {
                return Err(format!(
                    "`!{{firehose:{value}}}`: the firehose namespace has random-string and error-output-type"
                ));
            }
            "partitionKeyFromQuery" | "partitionKeyFromLambda" => {
                return Err(format!(
                    "`!{{{inner}}}` needs dynamic partitioning, which this resource type does not configure"
                ));
            }
            other => return Err(format!("unknown namespace {other:?} in `!{{{inner}}}` (timestamp or firehose)")),
        }
        found.push(Expression { namespace, value });
        rest = &body[end + 1..];
    }
    Ok(found)
}

/// A DateTimeFormatter pattern: non-empty, quotes balanced, every unquoted letter a pattern letter.
fn check_timestamp(pattern: &str) -> Result<(), String> {
    if pattern.is_empty() {
        return Err("`!{timestamp:}` needs a DateTimeFormatter pattern, e.g. !{timestamp:yyyy}".into());
    }
    let mut quoted = false;
    for c in pattern.chars() {
        if c == '\'' {
            quoted = !quoted;
        } else if !quoted && c.is_ascii_alphabetic() && !PATTERN_LETTERS.contains(c) {
            return Err(format!(
                "`!{{timestamp:{pattern}}}`: {c:?} is not a DateTimeFormatter pattern letter (quote literal text: 'text')"
            ));
        } else if !quoted && "#{}".contains(c) {
            return Err(format!("`!{{timestamp:{pattern}}}`: {c:?} is reserved in DateTimeFormatter patterns"));
        }
    }
    if quoted {
        return Err(format!("`!{{timestamp:{pattern}}}` has an unclosed quote"));
    }
    Ok(())
}

/// Checks a prefix pair; `path` is where the pair lives (`s3`).
pub fn validate_prefixes(prefix: &str, error_prefix: &str, path: &str) -> Result<(), PropertyError> {
    let at = |field: &str| format!("{path}.{field}");
    for (field, value) in [("prefix", prefix), ("error_output_prefix", error_prefix)] {
        if value.len() > 1024 {
            return Err(PropertyError::new(at(field), "at most 1024 characters"));
        }
    }
    if is_unknown(prefix) || is_unknown(error_prefix) {
        return Ok(());
    }
    let ours = expressions(prefix).map_err(|e| PropertyError::new(at("prefix"), e))?;
    let errors = expressions(error_prefix).map_err(|e| PropertyError::new(at("error_output_prefix"), e))?;
    let is_error_type = |e: &Expression| e.namespace == "firehose" && e.value == "error-output-type";
    if ours.iter().any(is_error_type) {
        return Err(PropertyError::new(
            at("prefix"),
            "!{firehose:error-output-type} can only be used in error_output_prefix",
        ));
    }
    if !ours.is_empty() && error_prefix.is_empty() {
        return Err(PropertyError::new(
            at("error_output_prefix"),
            "the prefix has expressions, so Firehose requires an error_output_prefix (e.g. errors/!{firehose:error-output-type}/!{timestamp:yyyy/MM/dd}/)",
        ));
    }
    if !errors.is_empty() && !errors.iter().any(is_error_type) {
        return Err(PropertyError::new(
            at("error_output_prefix"),
            "an error_output_prefix with expressions must include !{firehose:error-output-type}",
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    const DAILY: &str = "cloudtrail/year=!{timestamp:yyyy}/month=!{timestamp:MM}/day=!{timestamp:dd}/";
    const ERRORS: &str = "errors/cloudtrail/!{firehose:error-output-type}/year=!{timestamp:yyyy}/";

    #[test]
    fn parses_expressions() {
        let found = expressions(DAILY).unwrap();
        assert_eq!(found.len(), 3);
        assert_eq!(found[1], Expression { namespace: "timestamp", value: "MM" });
        assert_eq!(expressions("plain/prefix/").unwrap(), vec![]);
        let quoted = expressions("!{timestamp:'year='yyyy'/month='MM}/!{firehose:random-string}").unwrap();
        assert_eq!(quoted.len(), 2);
    }

    #[test]
    fn malformed_expressions() {
        for bad in [
            "a/!{timestamp:yyyy",
            "a/!{yyyy}/",
            "a/!{time:yyyy}/",
            "a/!{timestamp:}/",
            "a/!{timestamp:yyyy-bb}/",
            "a/!{timestamp:'open}/",
            "a/!{firehose:uuid}/",
            "a/!{partitionKeyFromQuery:customer}/",
        ] {
            assert!(expressions(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn aws_rules_for_the_pair() {
        validate_prefixes(DAILY, ERRORS, "s3").unwrap();
        validate_prefixes("plain/", "", "s3").unwrap();
        validate_prefixes("", "", "s3").unwrap();
        assert_eq!(validate_prefixes(DAILY, "", "s3").unwrap_err().path, "s3.error_output_prefix");
        let err = validate_prefixes("x/!{firehose:error-output-type}/", ERRORS, "s3").unwrap_err();
        assert_eq!(err.path, "s3.prefix");
        let err = validate_prefixes(DAILY, "errors/!{timestamp:yyyy}/", "s3").unwrap_err();
        assert!(err.message.contains("error-output-type"), "{}", err.message);
        // A literal error prefix needs no expression.
        validate_prefixes(DAILY, "errors/", "s3").unwrap();
        assert_eq!(validate_prefixes(&"p".repeat(1025), "", "s3").unwrap_err().path, "s3.prefix");
        validate_prefixes(mantissa_config::UNKNOWN, "", "s3").unwrap();
    }
}

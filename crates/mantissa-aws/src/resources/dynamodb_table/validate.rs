//! What DynamoDB rejects in a table definition, checked before any call: the name, key attributes
//! that are exactly the keys, capacities that match the billing mode, a key only with KMS on.

use super::props::{BillingMode, TableProps};
use crate::tags::{STANDARD_LIMITS, validate_tags};
use mantissa_engine::PropertyError;

pub fn validate(name: &str, props: &TableProps) -> Result<(), PropertyError> {
    let name_ok = (3..=255).contains(&name.len())
        && name.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.'));
    if !name_ok {
        return Err(PropertyError::new(
            "@name",
            format!("table name {name:?} must be 3 to 255 letters, digits, `_`, `-` or `.`"),
        ));
    }
    validate_key_attributes(props)?;
    match props.billing_mode {
        BillingMode::PayPerRequest => {
            for (path, v) in [("read_capacity", props.read_capacity), ("write_capacity", props.write_capacity)] {
                if v.is_some() {
                    return Err(PropertyError::new(path, "capacity is set only with billing_mode PROVISIONED"));
                }
            }
        }
        BillingMode::Provisioned => {
            for (path, v) in [("read_capacity", props.read_capacity), ("write_capacity", props.write_capacity)] {
                match v {
                    Some(n) if n >= 1 => {}
                    Some(n) => return Err(PropertyError::new(path, format!("{n}: at least 1 capacity unit"))),
                    None => return Err(PropertyError::new(path, "billing_mode PROVISIONED needs a capacity")),
                }
            }
        }
    }
    if let Some(ttl) = &props.ttl
        && !(1..=255).contains(&ttl.attribute_name.len())
    {
        return Err(PropertyError::new("ttl.attribute_name", "must be 1 to 255 characters"));
    }
    if !props.server_side_encryption.enabled && props.server_side_encryption.kms_key_arn.is_some() {
        return Err(PropertyError::new(
            "server_side_encryption.kms_key_arn",
            "a KMS key needs `enabled: true` (false is DynamoDB's AWS-owned key)",
        ));
    }
    validate_tags(&props.tags, STANDARD_LIMITS)
}

/// DynamoDB refuses attribute definitions that no key uses, and keys without a definition.
fn validate_key_attributes(props: &TableProps) -> Result<(), PropertyError> {
    let keys: Vec<(&str, &str)> = std::iter::once(("hash_key", props.hash_key.as_str()))
        .chain(props.range_key.as_deref().map(|r| ("range_key", r)))
        .collect();
    for (path, key) in &keys {
        if key.is_empty() || key.len() > 255 {
            return Err(PropertyError::new(*path, "a key attribute name is 1 to 255 characters"));
        }
        if !props.attributes.iter().any(|a| a.name == *key) {
            return Err(PropertyError::new(
                "attributes",
                format!("{path} {key:?} has no entry in attributes (give its type: S, N or B)"),
            ));
        }
    }
    if props.range_key.as_deref() == Some(props.hash_key.as_str()) {
        return Err(PropertyError::new("range_key", "the sort key must differ from the partition key"));
    }
    for (i, a) in props.attributes.iter().enumerate() {
        if !keys.iter().any(|(_, k)| *k == a.name) {
            return Err(PropertyError::new(
                format!("attributes[{i}].name"),
                format!("{:?} is not a key: declare only hash_key and range_key (items need no schema)", a.name),
            ));
        }
        if props.attributes[..i].iter().any(|b| b.name == a.name) {
            return Err(PropertyError::new(format!("attributes[{i}].name"), format!("{:?} is declared twice", a.name)));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::decode::decode;
    use serde_json::{Value, json};

    fn props(extra: Value) -> TableProps {
        let mut doc = json!({"hash_key": "alert_id", "attributes": [{"name": "alert_id", "type": "S"}]});
        for (k, v) in extra.as_object().unwrap() {
            doc[k] = v.clone();
        }
        decode(&doc).unwrap()
    }

    fn path(extra: Value) -> String {
        validate("mantissa-log-dev-alert-history", &props(extra)).unwrap_err().path
    }

    #[test]
    fn a_plain_table_passes() {
        validate("mantissa-log-dev-alert-history", &props(json!({"ttl": {"attribute_name": "expires_at"}}))).unwrap();
    }

    #[test]
    fn attributes_are_exactly_the_keys() {
        assert_eq!(path(json!({"attributes": []})), "attributes");
        assert_eq!(
            path(json!({"attributes": [{"name": "alert_id", "type": "S"}, {"name": "severity", "type": "S"}]})),
            "attributes[1].name"
        );
        assert_eq!(
            path(json!({"attributes": [{"name": "alert_id", "type": "S"}, {"name": "alert_id", "type": "N"}]})),
            "attributes[1].name"
        );
        assert_eq!(path(json!({"range_key": "at"})), "attributes");
        assert_eq!(
            path(json!({"range_key": "alert_id", "attributes": [{"name": "alert_id", "type": "S"}]})),
            "range_key"
        );
        validate(
            "t-t",
            &props(json!({"range_key": "at", "attributes": [{"name": "at", "type": "N"}, {"name": "alert_id", "type": "S"}]})),
        )
        .unwrap();
    }

    #[test]
    fn capacities_follow_the_billing_mode() {
        assert_eq!(path(json!({"read_capacity": 5})), "read_capacity");
        assert_eq!(path(json!({"billing_mode": "PROVISIONED", "read_capacity": 5})), "write_capacity");
        assert_eq!(
            path(json!({"billing_mode": "PROVISIONED", "read_capacity": 0, "write_capacity": 1})),
            "read_capacity"
        );
        validate("t-t", &props(json!({"billing_mode": "PROVISIONED", "read_capacity": 5, "write_capacity": 5})))
            .unwrap();
    }

    #[test]
    fn names_ttl_and_encryption() {
        assert_eq!(validate("ab", &props(json!({}))).unwrap_err().path, "@name");
        assert_eq!(validate("a b c", &props(json!({}))).unwrap_err().path, "@name");
        assert_eq!(path(json!({"ttl": {"attribute_name": ""}})), "ttl.attribute_name");
        assert_eq!(
            path(json!({"server_side_encryption": {"enabled": false, "kms_key_arn": "arn:aws:kms:us-east-1:1:key/k"}})),
            "server_side_encryption.kms_key_arn"
        );
    }
}

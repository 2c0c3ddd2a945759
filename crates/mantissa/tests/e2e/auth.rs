//! The auth module end to end, with storage: the user pool and its web client applied into the
//! emulator and read back with the SDK (password policy, admin-only sign-up, email as username,
//! TOTP MFA), an empty plan afterwards, a change of the username attributes refused (the pool is
//! protected and Cognito cannot change them in place), and a password policy change planned and
//! applied as one in-place UpdateUserPool.
//!
//! The refusal is tested before the update: moto's UpdateUserPool drops the pool's
//! UsernameAttributes (AWS keeps them), so after an update the emulator's pool no longer matches
//! the stack (see crates/mantissa-aws/tests/moto/cognito_user_pool.rs).

use super::*;
use aws_sdk_cognitoidentityprovider::types::UserPoolMfaType;

const AUTH_MODULES: &str = "modules:\n  storage: true\n  auth: true\n  ingestion: false\n  catalog: false\n  secrets: false\n  monitoring: false\n  compute: false\n  scheduling: false\n  api: false\n";

fn auth_env(w: &World, variables: &str) {
    w.env_file("test", "mantissa-log", &format!("{variables}{AUTH_MODULES}"));
}

fn cognito(w: &World) -> aws_sdk_cognitoidentityprovider::Client {
    client!(w, aws_sdk_cognitoidentityprovider)
}

fn output(w: &World, name: &str) -> String {
    let r = w.mantissa(&["output", "-e", "test", name]);
    assert_eq!(r.code, 0, "{r:?}");
    r.stdout.trim().to_string()
}

#[test]
fn the_user_pool_applies_reads_back_refuses_a_username_change_and_updates_in_place() {
    let w = World::new();
    auth_env(&w, "");
    let r = w.mantissa(&["apply", "-e", "test", "--auto-approve"]);
    assert_eq!(r.code, 0, "{r:?}");
    assert!(r.stdout.contains("Plan: 8 to add, 0 to change, 0 to replace, 0 to destroy."), "{r:?}");
    let pool_id = output(&w, "user_pool_id");
    let client_id = output(&w, "user_pool_client_id");
    assert!(pool_id.starts_with("us-east-1_"), "{pool_id}");

    let c = cognito(&w);
    let (pool, mfa, client) = rt().block_on(async {
        let pool = c.describe_user_pool().user_pool_id(&pool_id).send().await.unwrap().user_pool.unwrap();
        let mfa = c.get_user_pool_mfa_config().user_pool_id(&pool_id).send().await.unwrap();
        let client = c
            .describe_user_pool_client()
            .user_pool_id(&pool_id)
            .client_id(&client_id)
            .send()
            .await
            .unwrap()
            .user_pool_client
            .unwrap();
        (pool, mfa, client)
    });
    assert_eq!(pool.name(), Some("mantissa-log-test-users"));
    let policy = pool.policies().unwrap().password_policy().unwrap();
    assert_eq!(policy.minimum_length(), Some(12));
    assert!(
        policy.require_uppercase()
            && policy.require_lowercase()
            && policy.require_numbers()
            && policy.require_symbols()
    );
    assert!(pool.admin_create_user_config().unwrap().allow_admin_create_user_only(), "admin-created users only");
    assert_eq!(pool.username_attributes().iter().map(|a| a.as_str()).collect::<Vec<_>>(), ["email"]);
    assert_eq!(mfa.mfa_configuration(), Some(&UserPoolMfaType::Optional), "MFA optional by default");
    assert!(mfa.software_token_mfa_configuration().unwrap().enabled(), "MFA is TOTP");
    assert_eq!(client.client_name(), Some("mantissa-log-test-web-client"));
    assert_eq!(client.client_secret(), None, "the web client has no secret");
    assert_eq!(client.access_token_validity(), Some(60));
    assert_eq!(client.refresh_token_validity(), 30);

    // Nothing to do right after the apply.
    w.proxy.clear();
    let r = w.mantissa(&["plan", "-e", "test", "--detailed-exitcode"]);
    assert_eq!(r.code, 0, "{r:?}");
    assert!(r.stdout.contains("No changes."), "{r:?}");
    assert!(w.proxy.writes().is_empty(), "{:?}", w.proxy.writes());

    // Phone numbers instead of email addresses: a replace of the protected pool, refused.
    let stack = w.path().join("stacks/mantissa-log/auth.yaml");
    let original = std::fs::read_to_string(&stack).unwrap();
    std::fs::write(&stack, original.replace("username_attributes: [email]", "username_attributes: [phone_number]"))
        .unwrap();
    w.proxy.clear();
    let r = w.mantissa(&["plan", "-e", "test", "--detailed-exitcode"]);
    assert_eq!(r.code, 1, "refused: {r:?}");
    assert!(r.all().contains("auth.users"), "{r:?}");
    assert!(r.all().contains("username_attributes"), "names the cause: {r:?}");
    assert!(r.all().contains("--allow-destroy auth.users"), "says how to allow it: {r:?}");
    assert!(w.proxy.writes().is_empty(), "{:?}", w.proxy.writes());
    std::fs::write(&stack, original).unwrap();

    // A longer minimum password length: one in-place update, before → after.
    auth_env(&w, "variables:\n  cognito_password_minimum_length: 16\n");
    let r = w.mantissa(&["plan", "-e", "test", "--detailed-exitcode"]);
    assert_eq!(r.code, 2, "{r:?}");
    assert!(r.stdout.contains("Plan: 0 to add, 1 to change, 0 to replace, 0 to destroy."), "{r:?}");
    assert!(r.stdout.contains("~ auth.users\n"), "{r:?}");
    let diff_line = |sign: &str, n: u32| {
        r.stdout.lines().any(|l| l.trim_start().starts_with(sign) && l.contains(&format!("\"minimum_length\": {n}")))
    };
    assert!(diff_line("-", 12) && diff_line("+", 16), "before → after: {r:?}");

    w.proxy.clear();
    let r = w.mantissa(&["apply", "-e", "test", "--auto-approve"]);
    assert_eq!(r.code, 0, "{r:?}");
    let writes: Vec<String> = w.proxy.writes().into_iter().map(|c| c.operation).collect();
    assert_eq!(writes, ["UpdateUserPool"], "the whole configuration in one call");
    let (pool, mfa) = rt().block_on(async {
        let pool = c.describe_user_pool().user_pool_id(&pool_id).send().await.unwrap().user_pool.unwrap();
        (pool, c.get_user_pool_mfa_config().user_pool_id(&pool_id).send().await.unwrap())
    });
    assert_eq!(pool.policies().unwrap().password_policy().unwrap().minimum_length(), Some(16));
    assert!(pool.admin_create_user_config().unwrap().allow_admin_create_user_only(), "kept");
    assert_eq!(pool.user_pool_tags().unwrap()["mantissa:address"], "auth.users", "tags kept");
    assert_eq!(mfa.mfa_configuration(), Some(&UserPoolMfaType::Optional), "MFA kept");
    assert_eq!(output(&w, "user_pool_id"), pool_id, "the same pool");
}

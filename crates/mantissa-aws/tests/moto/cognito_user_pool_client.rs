//! `aws_cognito_user_pool_client` against moto: a web client without a secret, read back; token
//! lifetimes updated in place with the whole configuration sent; adoption by name inside this
//! state's pools after a crash; a client in another state's pool refused; two clients of the
//! name an error; delete (twice, and after the pool is gone).

use crate::Harness;
use crate::monitoring_common::{via_proxy, writes};
use crate::support::assert_delete_repeats;
use aws_sdk_cognitoidentityprovider::types::{ExplicitAuthFlowsType, TimeUnitsType};
use mantissa_engine::{LINEAGE_TAG, NameStyle, Provider, ProviderError, ResourceContext};
use serde_json::{Value, json};

const TYPE: &str = "aws_cognito_user_pool_client";

fn ctx(h: &Harness) -> ResourceContext {
    h.ctx(TYPE, NameStyle::Dashed, "auth", "web")
}

fn cognito(h: &Harness) -> &aws_sdk_cognitoidentityprovider::Client {
    h.provider.clients().cognito()
}

/// A pool of this state, made through the provider.
async fn our_pool(h: &Harness) -> String {
    let ctx = h.ctx("aws_cognito_user_pool", NameStyle::Dashed, "auth", "users");
    let desired = h.desired(&ctx, json!({}));
    h.provider.create(&ctx, &desired).await.expect("pool").id
}

fn props(pool: &str) -> Value {
    json!({"user_pool_id": pool, "access_token_validity_minutes": 60, "id_token_validity_minutes": 60, "refresh_token_validity_days": 30})
}

/// A pool of this state and the web client in it, as declared (not yet created).
async fn declared_in_our_pool(h: &Harness) -> (String, ResourceContext, Value) {
    let pool = our_pool(h).await;
    let ctx = ctx(h);
    let desired = h.desired_untagged(&ctx, props(&pool));
    (pool, ctx, desired)
}

#[tokio::test]
async fn create_then_read_back() {
    let h = Harness::start().await;
    let (pool, ctx, desired) = declared_in_our_pool(&h).await;
    let applied = h.provider.create(&ctx, &desired).await.expect("create");
    let client_id = applied.attributes["client_id"].as_str().unwrap().to_string();
    assert_eq!(applied.id, format!("{pool}/{client_id}"));
    assert_eq!(applied.attributes["name"], "mantissa-log-test-web");

    let c = cognito(&h)
        .describe_user_pool_client()
        .user_pool_id(&pool)
        .client_id(&client_id)
        .send()
        .await
        .unwrap()
        .user_pool_client
        .unwrap();
    assert_eq!(c.client_secret(), None, "a web client has no secret");
    let mut flows: Vec<_> = c.explicit_auth_flows().to_vec();
    flows.sort_by(|a, b| a.as_str().cmp(b.as_str()));
    assert_eq!(flows, [ExplicitAuthFlowsType::AllowRefreshTokenAuth, ExplicitAuthFlowsType::AllowUserSrpAuth]);
    assert_eq!(c.access_token_validity(), Some(60));
    assert_eq!(c.token_validity_units().and_then(|u| u.access_token()), Some(&TimeUnitsType::Minutes));
    assert_eq!(c.refresh_token_validity(), 30);

    let live = h.provider.read(&ctx, Some(&applied.id)).await.unwrap().expect("exists");
    assert_eq!(live.properties, desired);
    assert_eq!(live.attributes["client_id"], client_id.as_str());
}

#[tokio::test]
async fn token_validity_updates_in_place() {
    let h = Harness::start().await;
    let (proxy, provider) = via_proxy(&h).await;
    let (pool, ctx, before) = declared_in_our_pool(&h).await;
    let id = provider.create(&ctx, &before).await.expect("create").id;
    let mut p = props(&pool);
    p["access_token_validity_minutes"] = json!(15);
    p["refresh_token_validity_days"] = json!(7);
    let after = h.desired_untagged(&ctx, p);
    proxy.clear();
    let applied = provider
        .update(
            &ctx,
            &id,
            &before,
            &after,
            &["access_token_validity_minutes".into(), "refresh_token_validity_days".into()],
        )
        .await
        .expect("update");
    assert_eq!(applied.id, id, "the same client");
    assert_eq!(writes(&proxy), ["UpdateUserPoolClient"]);
    let live = provider.read(&ctx, Some(&id)).await.unwrap().unwrap();
    assert_eq!(live.properties, after, "flows and existence errors kept, lifetimes changed");
    assert_eq!(live.properties["access_token_validity_minutes"], 15);

    let mut p = props(&pool);
    p["user_pool_id"] = json!("us-east-1_other");
    let moved = h.desired_untagged(&ctx, p);
    assert!(
        provider.update(&ctx, &id, &after, &moved, &["user_pool_id".into()]).await.is_err(),
        "a replace, not an update"
    );
    assert_eq!(h.provider.schema(TYPE).unwrap().force_new, ["user_pool_id", "generate_secret"]);
}

#[tokio::test]
async fn adopted_inside_this_states_pool_after_a_crash() {
    let h = Harness::start().await;
    let ctx = ctx(&h);
    assert!(h.provider.read(&ctx, None).await.unwrap().is_none());
    let pool = our_pool(&h).await;
    let desired = h.desired_untagged(&ctx, props(&pool));
    let applied = h.provider.create(&ctx, &desired).await.expect("create");

    let rerun = h.fresh_provider().await;
    let live = rerun.read(&ctx, None).await.unwrap().expect("found by name in our pool");
    assert_eq!(live.id, applied.id);
    assert_eq!(live.properties, desired);
    // A create planned before the crash adopts it instead of adding a second client.
    assert_eq!(rerun.create(&ctx, &desired).await.expect("create again").id, applied.id);
    let clients = cognito(&h).list_user_pool_clients().user_pool_id(&pool).max_results(60).send().await.unwrap();
    assert_eq!(clients.user_pool_clients().len(), 1);
}

#[tokio::test]
async fn a_client_in_another_states_pool_is_not_ours() {
    let h = Harness::start().await;
    let ctx = ctx(&h);
    let foreign = cognito(&h)
        .create_user_pool()
        .pool_name("mantissa-log-test-users")
        .user_pool_tags(LINEAGE_TAG, "someone-else")
        .send()
        .await
        .unwrap()
        .user_pool
        .unwrap()
        .id
        .unwrap();
    cognito(&h)
        .create_user_pool_client()
        .user_pool_id(&foreign)
        .client_name("mantissa-log-test-web")
        .send()
        .await
        .unwrap();
    assert!(h.provider.read(&ctx, None).await.unwrap().is_none(), "not searched: the pool is not this state's");
    let desired = h.desired_untagged(&ctx, props(&foreign));
    match h.provider.create(&ctx, &desired).await {
        Err(ProviderError::NotOwned { found, .. }) => assert_eq!(found, "someone-else"),
        other => panic!("expected NotOwned, got {other:?}"),
    }
}

#[tokio::test]
async fn two_clients_of_the_name_are_an_error() {
    let h = Harness::start().await;
    let pool = our_pool(&h).await;
    let ctx = ctx(&h);
    for _ in 0..2 {
        cognito(&h)
            .create_user_pool_client()
            .user_pool_id(&pool)
            .client_name("mantissa-log-test-web")
            .send()
            .await
            .unwrap();
    }
    let err = h.provider.read(&ctx, None).await.unwrap_err().to_string();
    assert!(err.contains("2 app clients") && err.contains(&pool), "{err}");
    let desired = h.desired_untagged(&ctx, props(&pool));
    assert!(h.provider.create(&ctx, &desired).await.is_err(), "no third client");
}

#[tokio::test]
async fn delete_twice_and_after_the_pool() {
    let h = Harness::start().await;
    let (pool, ctx, desired) = declared_in_our_pool(&h).await;
    let id = h.provider.create(&ctx, &desired).await.unwrap().id;
    assert_delete_repeats(&h, &ctx, &id, &desired).await;

    let id = h.provider.create(&ctx, &desired).await.unwrap().id;
    cognito(&h).delete_user_pool().user_pool_id(&pool).send().await.unwrap();
    assert!(h.provider.read(&ctx, Some(&id)).await.unwrap().is_none());
    h.provider.delete(&ctx, &id, &desired).await.expect("the pool took it");
    assert!(h.provider.read(&ctx, Some("not-a-key")).await.is_err(), "a malformed id is an error");
}

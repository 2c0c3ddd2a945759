//! The caller's account id, asked of STS once per resource type: ARNs the Glue and Athena APIs
//! never return (a workgroup's, a database's at create) are built from it.

use crate::AwsClients;
use mantissa_engine::ProviderError;
use tokio::sync::OnceCell;

pub struct AccountId {
    clients: AwsClients,
    cell: OnceCell<String>,
}

impl AccountId {
    pub fn new(clients: AwsClients) -> Self {
        Self { clients, cell: OnceCell::new() }
    }

    pub async fn get(&self) -> Result<&str, ProviderError> {
        self.cell.get_or_try_init(|| async { Ok(self.clients.caller_identity().await?.0) }).await.map(String::as_str)
    }
}

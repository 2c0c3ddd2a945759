//! Lambda functions: requests and GB-seconds of every invocation the workload gives them.

use super::{Cx, Priced};
use crate::format::count;
use crate::stack::Resource;

pub fn function(r: &Resource, cx: &Cx) -> Priced {
    let mut p = Priced::default();
    let l = &cx.p.lambda;
    let memory_gb = r.number("memory_size").unwrap_or(128.0) / 1024.0;
    let arm = r.get("architectures").and_then(|a| a.as_array()).is_some_and(|a| a.iter().any(|x| x == "arm64"));
    let gb_second = if arm { l.gb_second_arm } else { l.gb_second_x86 };
    let Some(invocations) = cx.w.functions.get(&r.address) else {
        p.note = Some("nothing in the stack invokes it: priced at no invocations".into());
        return p;
    };
    for i in invocations {
        let gbs = i.count * i.seconds * memory_gb;
        p.add(
            format!("{} invocations ({}) × {} s × {} GB", count(i.count), i.why, count(i.seconds), memory_gb),
            gbs * gb_second + i.count / 1e6 * l.requests_per_million,
        );
    }
    p
}

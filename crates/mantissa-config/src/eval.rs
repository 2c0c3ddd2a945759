//! Evaluating one `${...}` expression at load time. Variables, `each.*`, literals and
//! operators become values (with the location the value was written at); resource and secret
//! references are checked and left for the engine.

use crate::address::{Address, MODULES};
use crate::diagnostic::Diagnostic;
use crate::expr::{BinOp, Expr, ExprKind, Step};
use crate::node::{Node, NodeKind};
use crate::refs::{ResourceIndex, Target};
use crate::source::Loc;
use crate::suggest::did_you_mean;
use crate::template::Ref;
use indexmap::{IndexMap, IndexSet};
use serde_json::Value;
use std::cell::Cell;

/// The value of an expression.
#[derive(Debug, Clone)]
pub enum Val {
    /// Known now. The node's location is where the value was written: the variable's value in
    /// the environment file, a default in stack.yaml, or the expression itself.
    Known(Node),
    /// Known only at apply time.
    Ref(Ref, Loc),
}

/// The current `for_each` instance.
#[derive(Debug, Clone)]
pub struct Each {
    /// A string node: the key, where it was written.
    pub key: Node,
    pub value: Node,
}

/// Everything an expression can see.
#[derive(Clone, Copy)]
pub struct Ctx<'a> {
    /// Variable values in force.
    pub vars: &'a IndexMap<String, Node>,
    pub each: Option<&'a Each>,
    /// `None` while expanding `for_each`/`when`, where references are errors anyway.
    pub resources: Option<&'a ResourceIndex>,
    pub secrets: &'a IndexSet<String>,
    /// Who is referring, for messages: "`compute.alert_router`", "output `logs_bucket`".
    pub referrer: &'a str,
    /// The stack.yaml path, for "declare it in ..." hints.
    pub stack_file: &'a str,
    /// When set, a reference to a declared but absent resource raises this flag instead of
    /// being an error.
    pub absent: Option<&'a Cell<bool>>,
}

/// Evaluates `e`, which was parsed from the string value of `node`.
pub fn eval(e: &Expr, node: &Node, ctx: &Ctx) -> Result<Val, Diagnostic> {
    Evaluator { node, ctx }.eval(e)
}

struct Evaluator<'a> {
    node: &'a Node,
    ctx: &'a Ctx<'a>,
}

impl Evaluator<'_> {
    fn src(&self) -> &str {
        self.node.as_str().unwrap_or("")
    }

    fn loc(&self, start: usize, end: usize) -> Loc {
        self.node.sub_loc(start, end.saturating_sub(start))
    }

    fn text(&self, start: usize, end: usize) -> &str {
        self.src().get(start..end).unwrap_or("")
    }

    fn err(&self, start: usize, end: usize, message: impl Into<String>) -> Diagnostic {
        Diagnostic::at(&self.loc(start, end), message)
    }

    fn eval(&self, e: &Expr) -> Result<Val, Diagnostic> {
        let loc = || self.loc(e.start, e.end);
        match &e.kind {
            ExprKind::Literal(v) => Ok(Val::Known(node_from_value(v, &loc()))),
            ExprKind::Path(steps) => self.path(e, steps),
            ExprKind::Not(inner) => {
                let b = self.boolean(inner, "`!`")?;
                Ok(Val::Known(Node::new(NodeKind::Bool(!b), loc())))
            }
            ExprKind::Binary(op @ (BinOp::And | BinOp::Or), l, r) => {
                let what = format!("`{}`", op.symbol());
                let left = self.boolean(l, &what)?;
                // Short-circuit, so `var.x != null && var.x.y == 1` works when x is null.
                let result = match (op, left) {
                    (BinOp::And, false) => false,
                    (BinOp::Or, true) => true,
                    _ => self.boolean(r, &what)?,
                };
                Ok(Val::Known(Node::new(NodeKind::Bool(result), loc())))
            }
            ExprKind::Binary(op, l, r) => {
                let left = self.known(l)?;
                let right = self.known(r)?;
                let eq = values_equal(&left.to_value(), &right.to_value());
                let result = if *op == BinOp::Eq { eq } else { !eq };
                Ok(Val::Known(Node::new(NodeKind::Bool(result), loc())))
            }
            ExprKind::Cond(c, a, b) => {
                if self.boolean(c, "the condition of `? :`")? {
                    self.eval(a)
                } else {
                    self.eval(b)
                }
            }
        }
    }

    /// A value that must be known now (operands of operators).
    fn known(&self, e: &Expr) -> Result<Node, Diagnostic> {
        match self.eval(e)? {
            Val::Known(n) => Ok(n),
            Val::Ref(Ref::Secret(name), loc) => {
                Err(crate::secret_use::secret_not_allowed(&loc, &name, "an expression (a comparison or a condition)"))
            }
            Val::Ref(r, loc) => Err(Diagnostic::at(
                &loc,
                format!("only variables and literals can be compared; `{r}` is known only at apply time"),
            )),
        }
    }

    fn boolean(&self, e: &Expr, what: &str) -> Result<bool, Diagnostic> {
        let n = self.known(e)?;
        match n.kind {
            NodeKind::Bool(b) => Ok(b),
            _ => Err(self.err(
                e.start,
                e.end,
                format!("{what} needs true or false, but `{}` is a {}", self.text(e.start, e.end), n.kind_name()),
            )),
        }
    }

    fn path(&self, e: &Expr, steps: &[Step]) -> Result<Val, Diagnostic> {
        let Some(Step::Field(root, rs, re)) = steps.first() else {
            return Err(self.err(e.start, e.end, "expected a name"));
        };
        let field = |i: usize, what: &str| -> Result<(&str, usize, usize), Diagnostic> {
            match steps.get(i) {
                Some(Step::Field(f, s, end)) => Ok((f.as_str(), *s, *end)),
                _ => Err(self.err(*rs, e.end, format!("expected {what} after `{root}.`"))),
            }
        };
        match root.as_str() {
            "var" => {
                let (name, s, end) = field(1, "a variable name")?;
                let Some(value) = self.ctx.vars.get(name) else {
                    let mut d = self.err(s, end, format!("unknown variable `var.{name}`"));
                    if let Some(h) = did_you_mean(name, self.ctx.vars.keys().map(String::as_str)) {
                        d = d.with_help(h);
                    } else {
                        d = d
                            .with_help(format!("variables are declared under `variables:` in {}", self.ctx.stack_file));
                    }
                    return Err(d);
                };
                self.walk(value, &steps[2..], *rs, end)
            }
            "each" => {
                let Some(each) = self.ctx.each else {
                    return Err(self.err(
                        *rs,
                        e.end,
                        format!("`{}` can only be used inside a resource with `for_each`", self.text(e.start, e.end)),
                    ));
                };
                let (which, s, end) = field(1, "`key` or `value`")?;
                match which {
                    "key" if steps.len() == 2 => Ok(Val::Known(each.key.clone())),
                    "key" => Err(self.err(*rs, e.end, "`each.key` is a string and has no fields")),
                    "value" => self.walk(&each.value, &steps[2..], *rs, end),
                    other => Err(self.err(s, end, format!("`each.{other}`: only `each.key` and `each.value` exist"))),
                }
            }
            "secret" => {
                let (name, s, end) = field(1, "a secret name")?;
                if steps.len() > 2 {
                    return Err(self.err(*rs, e.end, "a secret is a single string; it has no fields"));
                }
                if !self.ctx.secrets.contains(name) {
                    let mut d = self.err(s, end, format!("undeclared secret `secret.{name}`"));
                    d = match did_you_mean(name, self.ctx.secrets.iter().map(String::as_str)) {
                        Some(h) => d.with_help(h),
                        None => d.with_help(format!("declare it under `secrets:` in {}", self.ctx.stack_file)),
                    };
                    return Err(d);
                }
                Ok(Val::Ref(Ref::Secret(name.to_string()), self.loc(*rs, e.end)))
            }
            module if MODULES.contains(&module) => self.resource(e, module, steps),
            other => {
                let roots = ["var", "each", "secret"].into_iter().chain(MODULES);
                let mut d = self.err(
                    *rs,
                    *re,
                    format!(
                        "unknown name `{other}`; references start with `var.`, `each.`, `secret.` or a module name ({})",
                        MODULES.join(", ")
                    ),
                );
                if let Some(h) = did_you_mean(other, roots) {
                    d = d.with_help(h);
                }
                Err(d)
            }
        }
    }

    fn resource(&self, e: &Expr, module: &str, steps: &[Step]) -> Result<Val, Diagnostic> {
        let Some(Step::Field(name, _, _)) = steps.get(1) else {
            return Err(self.err(e.start, e.end, format!("expected a resource name after `{module}.`")));
        };
        let (key, rest) = match steps.get(2) {
            Some(Step::Index(k)) => (Some(self.key(k)?), &steps[3..]),
            _ => (None, &steps[2..]),
        };
        let loc = self.loc(e.start, e.end);
        let shown = match &key {
            Some(k) => format!("{module}.{name}[{k}]"),
            None => format!("{module}.{name}"),
        };
        let attr = match rest {
            [Step::Field(attr, _, _)] => attr.clone(),
            [] => {
                return Err(Diagnostic::at(
                    &loc,
                    format!("a reference to a resource needs an attribute, e.g. `{shown}.arn`"),
                ));
            }
            _ => {
                return Err(Diagnostic::at(
                    &loc,
                    format!("only one attribute can follow a resource address (`{shown}.<attribute>`)"),
                ));
            }
        };
        if let Some(index) = self.ctx.resources {
            let absent_ok = self.ctx.absent.is_some();
            let target = index.check(module, name, key.as_deref(), &loc, self.ctx.referrer, absent_ok)?;
            if target == Target::Absent
                && let Some(flag) = self.ctx.absent
            {
                flag.set(true);
            }
        }
        let mut address = Address::new(module, name.clone());
        address.key = key;
        Ok(Val::Ref(Ref::Resource { address, attr }, loc))
    }

    /// The key in `module.name[key]`: an expression, or a bare word as in addresses
    /// (`ingestion.firehose[vpc_flow]`).
    fn key(&self, k: &Expr) -> Result<String, Diagnostic> {
        if let ExprKind::Path(steps) = &k.kind
            && let [Step::Field(word, _, _)] = steps.as_slice()
        {
            let is_root = ["var", "each", "secret"].contains(&word.as_str()) || MODULES.contains(&word.as_str());
            if !is_root {
                return Ok(word.clone());
            }
        }
        let n = self.known(k)?;
        match &n.kind {
            NodeKind::String(s) => Ok(s.clone()),
            NodeKind::Number(x) => Ok(x.to_string()),
            _ => Err(self.err(k.start, k.end, format!("an instance key must be a string, found a {}", n.kind_name()))),
        }
    }

    /// Follows `.field` and `[index]` steps into a known value.
    fn walk(&self, start: &Node, steps: &[Step], path_start: usize, mut path_end: usize) -> Result<Val, Diagnostic> {
        let mut cur = start;
        for step in steps {
            let so_far = self.text(path_start, path_end).to_string();
            let next = match step {
                Step::Field(f, s, end) => {
                    path_end = *end;
                    match &cur.kind {
                        NodeKind::Map(entries) => match entries.iter().find(|en| &en.key == f) {
                            Some(en) => &en.value,
                            None => {
                                let mut d = self.err(*s, *end, format!("`{so_far}` has no key `{f}`"));
                                if let Some(h) = did_you_mean(f, entries.iter().map(|en| en.key.as_str())) {
                                    d = d.with_help(h);
                                }
                                return Err(d);
                            }
                        },
                        _ => {
                            return Err(self.err(
                                *s,
                                *end,
                                format!("`{so_far}` is a {}, so it has no field `{f}`", cur.kind_name()),
                            ));
                        }
                    }
                }
                Step::Index(ix) => {
                    path_end = ix.end + 1;
                    let i = self.known(ix)?;
                    match (&cur.kind, &i.kind) {
                        (NodeKind::Seq(items), NodeKind::Number(n)) => {
                            let found = n.as_u64().and_then(|n| usize::try_from(n).ok()).and_then(|n| items.get(n));
                            match found {
                                Some(item) => item,
                                None => {
                                    return Err(self.err(
                                        ix.start,
                                        ix.end,
                                        format!("index {n} is out of range: `{so_far}` has {} items", items.len()),
                                    ));
                                }
                            }
                        }
                        (NodeKind::Map(entries), NodeKind::String(k)) => match entries.iter().find(|en| &en.key == k) {
                            Some(en) => &en.value,
                            None => {
                                return Err(self.err(ix.start, ix.end, format!("`{so_far}` has no key `{k}`")));
                            }
                        },
                        _ => {
                            return Err(self.err(
                                ix.start,
                                ix.end,
                                format!("a {} cannot be indexed by a {}", cur.kind_name(), i.kind_name()),
                            ));
                        }
                    }
                }
            };
            cur = next;
        }
        Ok(Val::Known(cur.clone()))
    }
}

/// Equality as users mean it: `1 == 1.0`.
fn values_equal(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::Number(x), Value::Number(y)) => x.as_f64() == y.as_f64(),
        _ => a == b,
    }
}

/// A node for a value computed or written inside an expression.
pub fn node_from_value(v: &Value, loc: &Loc) -> Node {
    let kind = match v {
        Value::Null => NodeKind::Null,
        Value::Bool(b) => NodeKind::Bool(*b),
        Value::Number(n) => NodeKind::Number(n.clone()),
        Value::String(s) => NodeKind::String(s.clone()),
        Value::Array(items) => NodeKind::Seq(items.iter().map(|i| node_from_value(i, loc)).collect()),
        Value::Object(m) => NodeKind::Map(
            m.iter()
                .map(|(k, v)| crate::node::Entry {
                    key: k.clone(),
                    key_loc: loc.clone(),
                    value: node_from_value(v, loc),
                })
                .collect(),
        ),
    };
    Node::new(kind, loc.clone())
}

//! `plan --markdown`: the plan as a pull-request comment. The summary comes first, then a table
//! of the changes, then drift and each module's details folded in `<details>`. GitHub refuses
//! comments over 65,536 characters, so the text never exceeds [`LIMIT`]: what does not fit is
//! cut from the end, at a line, with a note saying so — the summary always stays.

use crate::printer::plain;
use crate::render::{Counts, modules, render_drift_entry, render_resource, summary_line, visible};
use mantissa_engine::{Plan, PlanAction, PlanMode, ResourceChange};
use std::fmt::Write;

/// Characters (not bytes: GitHub counts characters).
pub const LIMIT: usize = 60_000;

/// Room kept for the closing of a cut block and the note that says what was cut.
const NOTE_ROOM: usize = 600;

pub fn render_markdown(plan: &Plan, env_arg: &str) -> String {
    render_with_limit(plan, env_arg, LIMIT)
}

fn render_with_limit(plan: &Plan, env_arg: &str, limit: usize) -> String {
    let mut head = String::new();
    let _ = writeln!(head, "### mantissa plan: `{}`\n", plan.environment);
    if plan.mode == PlanMode::RefreshOnly {
        let _ = writeln!(head, "**Refresh only: {} change(s) outside mantissa.**\n", plan.drift.len());
    } else if !plan.has_changes() {
        let _ = writeln!(head, "**No changes.** The live resources match the configuration.\n");
    } else {
        let _ = writeln!(head, "**{}**\n", summary_line(plan));
    }
    if plan.mode == PlanMode::Destroy {
        let _ = writeln!(head, "This plan **destroys** the environment.\n");
    }
    if !plan.drift.is_empty() {
        let _ = writeln!(
            head,
            "> [!WARNING]\n> {} resource(s) changed outside mantissa (drift): see below.\n",
            plan.drift.len()
        );
    }

    let blocks = blocks(plan);
    let mut body = String::new();
    let mut cut: Option<usize> = None;
    let budget = limit.saturating_sub(len(&head) + NOTE_ROOM);
    for (i, b) in blocks.iter().enumerate() {
        if len(&body) + b.len() <= budget {
            body.push_str(&b.text());
            continue;
        }
        body.push_str(&b.cut_to(budget.saturating_sub(len(&body))));
        cut = Some(blocks.len() - i);
        break;
    }
    let mut out = head + &body;
    if let Some(n) = cut {
        let counts = Counts::of(plan);
        let total = counts.add + counts.change + counts.replace + counts.destroy;
        let _ = write!(
            out,
            "\n> [!NOTE]\n> Trimmed to fit a comment ({LIMIT} characters): the last {n} section(s) are cut short or \
             left out. The summary above covers all {total} change(s); `mantissa plan -e {env_arg}` shows every one.\n"
        );
    }
    out
}

fn len(s: &str) -> usize {
    s.chars().count()
}

/// A section of the comment: an optional heading, then lines (in a fenced `diff` block when
/// `fenced`), inside `<details>` when `summary` is given.
struct Block {
    summary: Option<String>,
    open_text: String,
    lines: Vec<String>,
    fence: Option<String>,
}

impl Block {
    fn open(&self) -> String {
        let mut s = String::new();
        if let Some(summary) = &self.summary {
            let _ = write!(s, "<details><summary>{summary}</summary>\n\n");
        }
        s.push_str(&self.open_text);
        if let Some(f) = &self.fence {
            let _ = writeln!(s, "{f}diff");
        }
        s
    }

    fn close(&self) -> String {
        let mut s = String::new();
        if let Some(f) = &self.fence {
            let _ = writeln!(s, "{f}");
        }
        if self.summary.is_some() {
            s.push_str("\n</details>\n");
        }
        s.push('\n');
        s
    }

    fn len(&self) -> usize {
        len(&self.open()) + self.lines.iter().map(|l| len(l) + 1).sum::<usize>() + len(&self.close())
    }

    fn text(&self) -> String {
        let mut s = self.open();
        for l in &self.lines {
            s.push_str(l);
            s.push('\n');
        }
        s + &self.close()
    }

    /// As many whole lines as fit in `room`, still well-formed (fence and details closed), or
    /// nothing when not even the frame fits.
    fn cut_to(&self, room: usize) -> String {
        let cut_line = "… (cut)";
        let (open, close) = (self.open(), self.close());
        let mut used = len(&open) + len(&close) + len(cut_line) + 1;
        if used > room {
            return String::new();
        }
        let mut s = open;
        for l in &self.lines {
            if used + len(l) + 1 > room {
                break;
            }
            used += len(l) + 1;
            s.push_str(l);
            s.push('\n');
        }
        s.push_str(cut_line);
        s.push('\n');
        s + &close
    }
}

fn blocks(plan: &Plan) -> Vec<Block> {
    let mut out = Vec::new();
    let changes: Vec<&ResourceChange> = visible(plan).collect();
    if !changes.is_empty() {
        let mut lines = vec!["| | Resource | Type | Note |".to_string(), "|---|---|---|---|".to_string()];
        for c in &changes {
            let note = match c.action {
                PlanAction::Replace => format!("replace forced by: {}", c.replace_because.join(", ")),
                _ if c.adopt => "adopted into state".into(),
                _ => String::new(),
            };
            lines.push(format!(
                "| `{}` | `{}` | {} | {} |",
                c.action.symbol().trim(),
                c.address,
                c.type_name,
                cell(&note)
            ));
        }
        out.push(Block { summary: None, open_text: String::new(), lines, fence: None });
    }
    if !plan.drift.is_empty() {
        let text: String = plan.drift.iter().map(|d| plain(&render_drift_entry(d))).collect();
        out.push(fenced(format!("Changes outside mantissa ({})", plan.drift.len()), &text));
    }
    for m in modules(changes.iter().copied()) {
        let in_module: Vec<&&ResourceChange> = changes.iter().filter(|c| c.address.module == m).collect();
        let text = in_module.iter().map(|c| plain(&render_resource(c))).collect::<Vec<_>>().join("\n");
        out.push(fenced(format!("module <code>{m}</code>: {} change(s)", in_module.len()), &text));
    }
    out
}

/// A details block holding a `diff` code block: `+`, `-` and `!` (changed) in the first column
/// colour the lines on GitHub.
fn fenced(summary: String, text: &str) -> Block {
    let lines: Vec<String> = text.lines().map(diff_line).collect();
    // Longer than any run of backticks inside, so a value cannot close the block early.
    let longest = text.split(|c| c != '`').map(str::len).max().unwrap_or(0);
    let fence = "`".repeat(longest.max(2) + 1);
    Block { summary: Some(summary), open_text: String::new(), lines, fence: Some(fence) }
}

fn diff_line(line: &str) -> String {
    let marker = match line.split_whitespace().next() {
        Some("+") => '+',
        Some("-") => '-',
        Some("~" | "-/+") => '!',
        _ => ' ',
    };
    if line.is_empty() { String::new() } else { format!("{marker} {line}") }
}

/// Table cells cannot hold `|` or line breaks.
fn cell(s: &str) -> String {
    s.replace('|', "\\|").replace('\n', " ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_cut_block_stays_well_formed() {
        let b = fenced("m".into(), &"  + x = 1\n".repeat(100));
        let cut = b.cut_to(200);
        assert!(len(&cut) <= 200, "{}", len(&cut));
        assert!(cut.contains("… (cut)"));
        assert!(cut.trim_end().ends_with("</details>"), "{cut}");
        assert_eq!(cut.matches("```").count(), 2, "{cut}");
        assert_eq!(b.cut_to(10), "");
    }

    #[test]
    fn a_value_with_backticks_cannot_close_the_block() {
        let b = fenced("m".into(), "  + doc = ```x````\n");
        assert!(b.text().contains("`````diff"), "{}", b.text());
    }
}

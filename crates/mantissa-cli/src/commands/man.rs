//! The man pages: one roff page per command (`mantissa.1`, `mantissa-apply.1`,
//! `mantissa-state-list.1`, ...), rendered by `clap_mangen` from the clap definition in
//! [`crate::cli`], so they say exactly what `--help` says. `mantissa docs` writes them to
//! docs/man/.

use crate::cli::Cli;
use clap::CommandFactory;

/// Every command's page as `(file name, roff text)`, parents before their subcommands.
pub fn pages() -> Vec<(String, String)> {
    // `build` gives subcommands their display names (`mantissa-apply`), which name the pages.
    let mut cmd = Cli::command().disable_help_subcommand(true);
    cmd.build();
    let mut out = Vec::new();
    collect(&cmd, &mut out);
    out
}

fn collect(cmd: &clap::Command, out: &mut Vec<(String, String)>) {
    let man = clap_mangen::Man::new(cmd.clone()).manual("mantissa manual");
    let mut roff = Vec::new();
    man.render(&mut roff).expect("rendering into memory cannot fail");
    out.push((man.get_filename(), String::from_utf8(roff).expect("clap_mangen writes UTF-8")));
    for sub in cmd.get_subcommands().filter(|s| !s.is_hide_set()) {
        collect(sub, out);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_command_has_a_page_named_after_it() {
        let pages = pages();
        let names: Vec<&str> = pages.iter().map(|(n, _)| n.as_str()).collect();
        for expected in
            ["mantissa.1", "mantissa-apply.1", "mantissa-plan.1", "mantissa-state.1", "mantissa-state-list.1"]
        {
            assert!(names.contains(&expected), "{expected} missing from {names:?}");
        }
        assert!(!names.contains(&"mantissa-help.1"), "the help subcommand gets no page: {names:?}");
        let apply = &pages.iter().find(|(n, _)| n == "mantissa-apply.1").unwrap().1;
        assert!(apply.contains(".TH mantissa-apply 1"), "{apply}");
        assert!(apply.contains("\\-\\-auto\\-approve"), "the flags are listed: {apply}");
    }

    /// The requests a man(7) page may use, as clap_mangen writes them.
    const REQUESTS: [&str; 21] = [
        "TH", "SH", "SS", "PP", "LP", "P", "TP", "IP", "RS", "RE", "B", "I", "BR", "RB", "IR", "RI", "br", "sp", "ie",
        "el", "ds",
    ];

    /// Each page is well-formed man(7) roff: a title naming the command first, the NAME and
    /// SYNOPSIS sections, only known requests, balanced indentation, no stray escapes.
    #[test]
    fn every_page_is_well_formed_roff() {
        for (file, text) in pages() {
            let name = file.trim_end_matches(".1");
            let mut requests = text.lines().filter(|l| l.starts_with('.') || l.starts_with('\''));
            let title = requests.find(|l| l.starts_with(".TH")).unwrap_or_else(|| panic!("{file}: no .TH"));
            assert!(title.starts_with(&format!(".TH {name} 1 ")), "{file}: {title}");
            assert!(text.contains("\n.SH NAME\n") && text.contains("\n.SH SYNOPSIS\n"), "{file}:\n{text}");
            let mut depth = 0i32;
            for line in text.lines().filter(|l| l.starts_with('.')) {
                let request = line[1..].split_whitespace().next().unwrap_or("");
                assert!(REQUESTS.contains(&request), "{file}: unknown request in `{line}`");
                match request {
                    "RS" => depth += 1,
                    "RE" => depth -= 1,
                    _ => {}
                }
                assert!(depth >= 0, "{file}: .RE without .RS");
            }
            assert_eq!(depth, 0, "{file}: unbalanced .RS/.RE");
            // A line starting with `'` or an unescaped leading `.` in text would be read as a request.
            for line in text.lines() {
                assert!(!line.starts_with('\''), "{file}: {line}");
            }
        }
    }

    /// groff, where it is installed, formats every page without a warning (`-ww` enables all).
    #[test]
    fn groff_formats_every_page_without_warnings() {
        use std::io::Write as _;
        use std::process::{Command, Stdio};
        if Command::new("groff").arg("--version").stdout(Stdio::null()).status().is_err() {
            eprintln!(
                "SKIPPED groff_formats_every_page_without_warnings: groff is not installed (the structure is checked by every_page_is_well_formed_roff)"
            );
            return;
        }
        for (file, text) in pages() {
            let mut child = Command::new("groff")
                .args(["-man", "-ww", "-z", "-Tutf8"])
                .stdin(Stdio::piped())
                .stderr(Stdio::piped())
                .spawn()
                .unwrap();
            child.stdin.take().unwrap().write_all(text.as_bytes()).unwrap();
            let out = child.wait_with_output().unwrap();
            let stderr = String::from_utf8_lossy(&out.stderr);
            assert!(out.status.success() && stderr.trim().is_empty(), "{file}: {stderr}");
        }
    }
}

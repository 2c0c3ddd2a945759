//! One place decides where output goes: results to stdout, progress and diagnostics to stderr,
//! colour only on a terminal and never with NO_COLOR (anstream strips it otherwise).

use anstyle::{AnsiColor, Style};
use std::io::Write;

#[derive(Clone, Copy)]
pub struct Printer {
    pub quiet: bool,
}

pub const BOLD: Style = Style::new().bold();
pub const GREEN: Style = AnsiColor::Green.on_default();
pub const YELLOW: Style = AnsiColor::Yellow.on_default();
pub const RED: Style = AnsiColor::Red.on_default();
pub const DIM: Style = Style::new().dimmed();

pub fn paint(style: Style, text: impl std::fmt::Display) -> String {
    format!("{style}{text}{style:#}")
}

impl Printer {
    /// A result: always printed, to stdout.
    pub fn out(&self, text: impl std::fmt::Display) {
        let mut o = anstream::stdout();
        let _ = writeln!(o, "{text}");
    }

    /// Progress and information: stderr, silenced by --quiet.
    pub fn info(&self, text: impl std::fmt::Display) {
        if !self.quiet {
            let mut e = anstream::stderr();
            let _ = writeln!(e, "{text}");
        }
    }

    pub fn warn(&self, text: impl std::fmt::Display) {
        let mut e = anstream::stderr();
        let _ = writeln!(e, "{}: {text}", paint(YELLOW.bold(), "warning"));
    }
}

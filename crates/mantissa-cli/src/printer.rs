//! One place decides where output goes: results to stdout, progress and diagnostics to stderr,
//! colour only on a terminal and never with NO_COLOR (anstream strips it otherwise), progress
//! bars only when stderr is a terminal. While bars are on screen, everything else written to
//! stderr (information, warnings, tracing logs) goes above them, so neither tears the other.
//! Every byte written here first passes through the secret scrubber
//! ([`mantissa_engine::sensitive::scrub`]): the last line of defence for secret values.

use anstyle::{AnsiColor, Style};
use std::io::{IsTerminal, Write};
use std::sync::Mutex;

#[derive(Clone, Copy)]
pub struct Printer {
    pub quiet: bool,
    /// Stderr is a terminal: progress may redraw lines there.
    pub stderr_tty: bool,
    /// False while stdout carries JSON: human results are left out of it.
    pub human: bool,
}

pub const BOLD: Style = Style::new().bold();
pub const GREEN: Style = AnsiColor::Green.on_default();
pub const YELLOW: Style = AnsiColor::Yellow.on_default();
pub const RED: Style = AnsiColor::Red.on_default();
pub const DIM: Style = Style::new().dimmed();

pub fn paint(style: Style, text: impl std::fmt::Display) -> String {
    format!("{style}{text}{style:#}")
}

/// Text with every escape sequence removed (for Markdown, JSON and snapshots).
pub fn plain(text: &str) -> String {
    anstream::adapter::strip_str(text).to_string()
}

/// Colour on stderr: a terminal, and NO_COLOR unset or empty (https://no-color.org).
pub fn stderr_color() -> bool {
    std::io::stderr().is_terminal() && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty())
}

/// The progress bars on screen, if any: other stderr output is written above them.
static BARS: Mutex<Option<indicatif::MultiProgress>> = Mutex::new(None);

pub fn set_bars(bars: Option<indicatif::MultiProgress>) {
    *BARS.lock().unwrap_or_else(|e| e.into_inner()) = bars;
}

/// Writes to stderr (escape codes stripped off a terminal), above the progress bars if shown.
pub fn write_stderr(bytes: &[u8]) {
    let bytes = &*mantissa_engine::sensitive::scrub_bytes(bytes);
    let bars = BARS.lock().unwrap_or_else(|e| e.into_inner()).clone();
    let write = || {
        let mut e = anstream::stderr();
        let _ = e.write_all(bytes);
        let _ = e.flush();
    };
    match bars {
        Some(b) => b.suspend(write),
        None => write(),
    }
}

/// Writes text to stdout (escape codes stripped off a terminal), scrubbed, flushed.
pub fn write_stdout(text: &str) {
    let mut o = anstream::stdout();
    let _ = o.write_all(mantissa_engine::sensitive::scrub(text).as_bytes());
    let _ = o.flush();
}

/// The tracing subscriber's writer: one log event per instance, written on drop through
/// [`write_stderr`].
#[derive(Default)]
pub struct LogWriter(Vec<u8>);

impl Write for LogWriter {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl Drop for LogWriter {
    fn drop(&mut self) {
        if !self.0.is_empty() {
            write_stderr(&self.0);
        }
    }
}

impl Printer {
    pub fn new(quiet: bool) -> Self {
        Self { quiet, stderr_tty: std::io::stderr().is_terminal(), human: true }
    }

    /// The printer for a command whose stdout is a JSON stream.
    pub fn for_json(self) -> Self {
        Self { human: false, ..self }
    }

    /// A result for people: to stdout (unless stdout carries JSON).
    pub fn out(&self, text: impl std::fmt::Display) {
        if !self.human {
            return;
        }
        write_stdout(&format!("{text}\n"));
    }

    /// One line of machine-readable output (a JSON document or event), to stdout, flushed at
    /// once so a reader sees each event as it happens.
    pub fn json_line(&self, text: &str) {
        let mut o = std::io::stdout().lock();
        let _ = writeln!(o, "{}", mantissa_engine::sensitive::scrub(text));
        let _ = o.flush();
    }

    /// Progress and information: stderr, silenced by --quiet.
    pub fn info(&self, text: impl std::fmt::Display) {
        if !self.quiet {
            write_stderr(format!("{text}\n").as_bytes());
        }
    }

    pub fn warn(&self, text: impl std::fmt::Display) {
        write_stderr(format!("{}: {text}\n", paint(YELLOW.bold(), "warning")).as_bytes());
    }
}

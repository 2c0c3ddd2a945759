//! Apply and destroy progress for people, on stderr. On a terminal: one indicatif line per
//! running resource with its elapsed time, and a permanent line above the bars as each one
//! finishes. Off a terminal (CI logs): plain timestamped lines, and a "still ..." line for each
//! resource that has been running a while, so a slow call is visibly not a hang. `-q`: nothing.

use crate::printer::{GREEN, Printer, RED, paint, plain, set_bars, stderr_color};
use indicatif::{MultiProgress, ProgressBar, ProgressDrawTarget, ProgressStyle};
use mantissa_engine::{ApplyEvent, PlanAction};
use std::collections::BTreeMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// How often a running resource is reported again (off a terminal) or its spinner turns.
pub const TICK: Duration = Duration::from_secs(10);

pub fn verb(a: PlanAction, done: bool) -> &'static str {
    match (a, done) {
        (PlanAction::Create, false) => "creating",
        (PlanAction::Create, true) => "created",
        (PlanAction::Update | PlanAction::NoOp, false) => "updating",
        (PlanAction::Update | PlanAction::NoOp, true) => "updated",
        (PlanAction::Replace, false) => "replacing",
        (PlanAction::Replace, true) => "replaced",
        (PlanAction::Delete, false) => "destroying",
        (PlanAction::Delete, true) => "destroyed",
    }
}

enum Mode {
    Off,
    Lines,
    Bars(MultiProgress),
}

struct Running {
    action: PlanAction,
    start: Instant,
    bar: Option<ProgressBar>,
}

pub struct Progress {
    printer: Printer,
    mode: Mode,
    running: Mutex<BTreeMap<String, Running>>,
}

impl Progress {
    /// `enabled` is false when something else (the JSON stream) reports progress.
    pub fn new(printer: Printer, enabled: bool) -> Self {
        let mode = match (enabled && !printer.quiet, printer.stderr_tty) {
            (false, _) => Mode::Off,
            (true, false) => Mode::Lines,
            (true, true) => {
                let bars = MultiProgress::with_draw_target(ProgressDrawTarget::stderr());
                set_bars(Some(bars.clone()));
                Mode::Bars(bars)
            }
        };
        Self { printer, mode, running: Mutex::default() }
    }

    fn line(&self, text: String) {
        match &self.mode {
            Mode::Off => {}
            Mode::Lines => self.printer.info(format!("{} {text}", chrono::Utc::now().format("%H:%M:%SZ"))),
            Mode::Bars(bars) => {
                let _ = bars.println(if stderr_color() { text } else { plain(&text) });
            }
        }
    }

    pub fn event(&self, e: &ApplyEvent) {
        let mut running = self.running.lock().unwrap_or_else(|e| e.into_inner());
        match e {
            ApplyEvent::Started { address, action } => {
                let bar = match &self.mode {
                    Mode::Bars(bars) => {
                        let bar = bars.add(ProgressBar::new_spinner());
                        bar.set_style(
                            ProgressStyle::with_template("{spinner} {msg} [{elapsed}]")
                                .unwrap_or_else(|_| ProgressStyle::default_spinner()),
                        );
                        bar.set_message(format!("{address}: {}...", verb(*action, false)));
                        bar.enable_steady_tick(Duration::from_millis(250));
                        // Drawn at once: a resource done in a few milliseconds was still running.
                        bar.force_draw();
                        Some(bar)
                    }
                    Mode::Lines => {
                        self.line(format!("{address}: {}...", verb(*action, false)));
                        None
                    }
                    Mode::Off => None,
                };
                running.insert(address.to_string(), Running { action: *action, start: Instant::now(), bar });
            }
            ApplyEvent::Completed { address, action, elapsed } => {
                finish(running.remove(&address.to_string()));
                self.line(format!(
                    "{} {address}: {} ({:.1}s)",
                    paint(GREEN, "✓"),
                    verb(*action, true),
                    elapsed.as_secs_f64()
                ));
            }
            ApplyEvent::Failed { address, action, error, elapsed } => {
                finish(running.remove(&address.to_string()));
                self.line(format!(
                    "{} {address}: {} failed after {:.1}s: {error}",
                    paint(RED, "✗"),
                    verb(*action, false),
                    elapsed.as_secs_f64()
                ));
            }
            ApplyEvent::Skipped { address, because } => {
                self.line(format!("- {address}: skipped because {because} failed"));
            }
        }
    }

    /// Off a terminal, a line for each resource running for a while (bars show it themselves).
    pub fn tick(&self) {
        if !matches!(self.mode, Mode::Lines) {
            return;
        }
        let running = self.running.lock().unwrap_or_else(|e| e.into_inner());
        for (address, r) in running.iter() {
            self.line(format!("{address}: still {} ({}s elapsed)", verb(r.action, false), r.start.elapsed().as_secs()));
        }
    }

    /// Clears what is left of the bars; later stderr output goes straight to the terminal.
    pub fn finish(&self) {
        let mut running = self.running.lock().unwrap_or_else(|e| e.into_inner());
        for (_, r) in std::mem::take(&mut *running) {
            finish(Some(r));
        }
        if let Mode::Bars(bars) = &self.mode {
            let _ = bars.clear();
            set_bars(None);
        }
    }
}

fn finish(r: Option<Running>) {
    if let Some(bar) = r.and_then(|r| r.bar) {
        bar.finish_and_clear();
    }
}

//! The status line on stderr: an indicatif spinner with the latest task status, the tool's
//! progress (`progress`/`total` and its message) and the task's elapsed time, redrawn in
//! place on a terminal. When stderr is not a terminal, status changes and progress are plain
//! lines instead (no escape codes).

use std::io::IsTerminal;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

/// The latest `notifications/progress`.
#[derive(Debug, Clone, PartialEq)]
struct Progress {
    progress: f64,
    total: Option<f64>,
    message: Option<String>,
}

#[derive(Debug, Default)]
struct State {
    /// What is going on ("calling countdown", "task X: working — …").
    line: String,
    progress: Option<Progress>,
    /// When the task was created (or first seen), for the elapsed time.
    task_since: Option<Instant>,
    prompting: bool,
    /// The live line; `None` while a question is asked (re-created afterwards).
    bar: Option<ProgressBar>,
    /// Set when a question could not be asked because stdin is closed.
    stdin_closed: bool,
}

/// Shared by the event loop and the prompts, which must not draw over each other.
#[derive(Debug, Clone)]
pub(crate) struct Ui {
    state: Arc<Mutex<State>>,
    tty: bool,
}

/// `3`, `2.5`: progress values without a useless `.0`.
fn num(v: f64) -> String {
    if v.fract() == 0.0 && v.abs() < 1e15 {
        format!("{}", v as i64)
    } else {
        format!("{v:.1}")
    }
}

/// `42s`, `3m05s`, `1h02m`.
pub(crate) fn elapsed(d: Duration) -> String {
    let s = d.as_secs();
    match s {
        0..60 => format!("{:.1}s", d.as_secs_f64()),
        60..3600 => format!("{}m{:02}s", s / 60, s % 60),
        _ => format!("{}h{:02}m", s / 3600, (s % 3600) / 60),
    }
}

impl Progress {
    /// `[██████░░░░░░] 3/5 · 2 s left` (a bar only when the total is known).
    fn render(&self, with_bar: bool) -> String {
        let mut out = String::new();
        match self.total {
            Some(total) if total > 0.0 => {
                if with_bar {
                    const CELLS: usize = 16;
                    let done =
                        ((self.progress / total).clamp(0.0, 1.0) * CELLS as f64).round() as usize;
                    out.push('[');
                    out.extend(std::iter::repeat_n('█', done));
                    out.extend(std::iter::repeat_n('░', CELLS - done));
                    out.push_str("] ");
                }
                out.push_str(&format!("{}/{}", num(self.progress), num(total)));
            }
            _ => out.push_str(&num(self.progress)),
        }
        if let Some(m) = &self.message {
            out.push_str(" · ");
            out.push_str(m);
        }
        out
    }
}

impl Ui {
    pub(crate) fn new() -> Self {
        Ui {
            state: Arc::default(),
            tty: std::io::stderr().is_terminal(),
        }
    }

    fn with<T>(&self, f: impl FnOnce(&mut State) -> T) -> T {
        f(&mut self.state.lock().unwrap_or_else(PoisonError::into_inner))
    }

    /// Replaces the status text.
    pub(crate) fn set(&self, line: String) {
        self.with(|s| s.line = line);
        self.redraw();
    }

    /// A task was created (or is being followed): its elapsed time starts now.
    pub(crate) fn task_started(&self) {
        self.with(|s| {
            s.task_since.get_or_insert_with(Instant::now);
        });
    }

    /// The task being followed was created `age` ago.
    pub(crate) fn task_started_ago(&self, age: Duration) {
        let since = Instant::now().checked_sub(age).unwrap_or_else(Instant::now);
        self.with(|s| s.task_since = Some(since));
    }

    /// How long the task has been followed, if there is one.
    pub(crate) fn task_elapsed(&self) -> Option<Duration> {
        self.with(|s| s.task_since.map(|t| t.elapsed()))
    }

    /// A status change: redrawn on a terminal, printed as a line otherwise. An
    /// `input_required` status is not printed off a terminal: the question follows at once,
    /// and its line would race with the question's.
    pub(crate) fn status_changed(&self, line: String, input_required: bool) {
        if self.tty {
            self.with(|s| s.progress = None);
            self.set(line);
        } else if !input_required && !self.with(|s| s.prompting) {
            // Printed between questions, not in the middle of one.
            eprintln!("{line}");
        }
    }

    /// A `notifications/progress`: the bar on a terminal, a plain line otherwise.
    pub(crate) fn progress(&self, progress: f64, total: Option<f64>, message: Option<String>) {
        let p = Progress {
            progress,
            total,
            message,
        };
        if self.tty {
            self.with(|s| s.progress = Some(p));
            self.redraw();
        } else if !self.with(|s| s.prompting) {
            eprintln!("progress {}", p.render(false));
        }
    }

    /// A one-off line above the status line (e.g. a task id worth keeping).
    pub(crate) fn note(&self, text: &str) {
        self.with(|s| {
            if s.prompting {
                return;
            }
            match &s.bar {
                Some(bar) => bar.println(text),
                None => eprintln!("{text}"),
            }
        });
    }

    /// The text of the live line.
    fn message(s: &State) -> String {
        let mut msg = s.line.clone();
        if let Some(p) = &s.progress {
            msg.push_str("  ");
            msg.push_str(&p.render(true));
        }
        if let Some(t) = s.task_since {
            msg.push_str(&format!("  ({})", elapsed(t.elapsed())));
        }
        msg
    }

    /// Advances the spinner and refreshes the line (elapsed time included).
    pub(crate) fn redraw(&self) {
        if !self.tty {
            return;
        }
        self.with(|s| {
            if s.prompting || s.line.is_empty() {
                return;
            }
            let msg = Self::message(s);
            let bar = s.bar.get_or_insert_with(|| {
                let bar = ProgressBar::with_draw_target(None, ProgressDrawTarget::stderr());
                bar.set_style(
                    ProgressStyle::with_template("{spinner} {wide_msg}")
                        .unwrap_or_else(|_| ProgressStyle::default_spinner()),
                );
                bar
            });
            bar.set_message(msg);
            bar.tick();
        });
    }

    /// Erases the status line.
    pub(crate) fn clear(&self) {
        self.with(|s| {
            if let Some(bar) = s.bar.take() {
                bar.finish_and_clear();
            }
        });
    }

    /// Stops drawing while the user answers a question.
    pub(crate) fn begin_prompt(&self) {
        self.clear();
        self.with(|s| s.prompting = true);
    }

    /// Resumes drawing.
    pub(crate) fn end_prompt(&self) {
        self.with(|s| s.prompting = false);
    }

    /// Whether a question is being asked right now (its prompt line is unfinished).
    pub(crate) fn is_prompting(&self) -> bool {
        self.with(|s| s.prompting)
    }

    /// Remembers that a question met a closed stdin.
    pub(crate) fn mark_stdin_closed(&self) {
        self.with(|s| s.stdin_closed = true);
    }

    /// Whether a question met a closed stdin.
    pub(crate) fn stdin_was_closed(&self) -> bool {
        self.with(|s| s.stdin_closed)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn progress_renders_with_and_without_total() {
        let p = Progress {
            progress: 1.0,
            total: Some(4.0),
            message: Some("3 s left".into()),
        };
        assert_eq!(p.render(true), "[████░░░░░░░░░░░░] 1/4 · 3 s left");
        assert_eq!(p.render(false), "1/4 · 3 s left");
        let p = Progress {
            progress: 2.5,
            total: None,
            message: None,
        };
        assert_eq!(p.render(true), "2.5");
        assert_eq!(elapsed(Duration::from_secs(125)), "2m05s");
    }
}

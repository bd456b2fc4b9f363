//! The status line: a spinner and the latest task status, redrawn in place on a terminal
//! (stderr), or plain lines when stderr is not a terminal.

use std::io::{IsTerminal, Write};
use std::sync::{Arc, Mutex, PoisonError};

const SPINNER: [char; 10] = ['⠋', '⠙', '⠹', '⠸', '⠼', '⠴', '⠦', '⠧', '⠇', '⠏'];

#[derive(Debug, Default)]
struct State {
    line: String,
    frame: usize,
    prompting: bool,
    drawn: bool,
}

/// Shared by the event loop and the prompts, which must not draw over each other.
#[derive(Debug, Clone)]
pub(crate) struct Ui {
    state: Arc<Mutex<State>>,
    tty: bool,
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

    /// A status change: redrawn on a terminal, printed as a line otherwise.
    pub(crate) fn status_changed(&self, line: String) {
        if self.tty {
            self.set(line);
        } else if !self.with(|s| s.prompting) {
            // Printed between questions, not in the middle of one.
            eprintln!("{line}");
        }
    }

    /// A one-off line above the status line (e.g. a task id worth keeping).
    pub(crate) fn note(&self, text: &str) {
        if self.with(|s| s.prompting) {
            return;
        }
        self.clear();
        eprintln!("{text}");
        self.redraw();
    }

    /// Advances the spinner.
    pub(crate) fn redraw(&self) {
        if !self.tty {
            return;
        }
        self.with(|s| {
            if s.prompting || s.line.is_empty() {
                return;
            }
            s.frame = (s.frame + 1) % SPINNER.len();
            let mut err = std::io::stderr().lock();
            let _ = write!(err, "\r\x1b[2K{} {}", SPINNER[s.frame], s.line);
            let _ = err.flush();
            s.drawn = true;
        });
    }

    /// Erases the status line.
    pub(crate) fn clear(&self) {
        if !self.tty {
            return;
        }
        self.with(|s| {
            if s.drawn {
                let mut err = std::io::stderr().lock();
                let _ = write!(err, "\r\x1b[2K");
                let _ = err.flush();
                s.drawn = false;
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
}

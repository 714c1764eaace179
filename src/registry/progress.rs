//! "lockgate: asking the registry about N packages… k/N" on a terminal while requests run.
//!
//! A plain thread redraws the line in place (carriage return) at most ten times a second and
//! only when the count moved; dropping the [`Progress`] stops the thread and blanks the line,
//! so nothing is left behind on success or on error. The caller decides whether to show it at
//! all ([`super::ClientOptions::progress`]): only for a terminal, never in CI logs.

use std::io::Write;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::thread::JoinHandle;
use std::time::Duration;

const TICK: Duration = Duration::from_millis(100);

pub struct Progress {
    done: Arc<AtomicUsize>,
    stop: Arc<AtomicBool>,
    thread: Option<JoinHandle<()>>,
}

impl Progress {
    /// Start drawing to standard error.
    pub fn stderr(total: usize) -> Progress {
        Progress::start(total, Box::new(std::io::stderr()))
    }

    /// Start drawing to `sink` (tests pass a buffer).
    pub fn start(total: usize, mut sink: Box<dyn Write + Send>) -> Progress {
        let done = Arc::new(AtomicUsize::new(0));
        let stop = Arc::new(AtomicBool::new(false));
        let thread = {
            let (done, stop) = (done.clone(), stop.clone());
            std::thread::Builder::new()
                .name("lockgate-progress".into())
                .spawn(move || {
                    let mut shown: Option<usize> = None;
                    let mut width = 0;
                    loop {
                        std::thread::park_timeout(TICK);
                        if stop.load(Ordering::Acquire) {
                            break;
                        }
                        let now = done.load(Ordering::Relaxed);
                        if shown != Some(now) {
                            let line = line(total, now);
                            width = width.max(line.chars().count());
                            let _ = write!(sink, "\r{line}");
                            let _ = sink.flush();
                            shown = Some(now);
                        }
                    }
                    if shown.is_some() {
                        let _ = write!(sink, "\r{}\r", " ".repeat(width));
                        let _ = sink.flush();
                    }
                })
                .ok()
        };
        Progress { done, stop, thread }
    }

    /// One more package answered.
    pub fn tick(&self) {
        self.done.fetch_add(1, Ordering::Relaxed);
    }
}

impl Drop for Progress {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Release);
        if let Some(thread) = self.thread.take() {
            thread.thread().unpark();
            let _ = thread.join();
        }
    }
}

fn line(total: usize, done: usize) -> String {
    let what = if total == 1 { "package" } else { "packages" };
    format!("lockgate: asking the registry about {total} {what}\u{2026} {done}/{total}")
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Mutex;

    #[derive(Clone, Default)]
    struct Buffer(Arc<Mutex<Vec<u8>>>);

    impl Write for Buffer {
        fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
            self.0.lock().unwrap().extend_from_slice(bytes);
            Ok(bytes.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }

    #[test]
    fn draws_in_place_and_leaves_a_blank_line() {
        let buffer = Buffer::default();
        let progress = Progress::start(3, Box::new(buffer.clone()));
        std::thread::sleep(TICK * 3);
        progress.tick();
        progress.tick();
        std::thread::sleep(TICK * 3);
        drop(progress);
        let out = String::from_utf8(buffer.0.lock().unwrap().clone()).unwrap();
        assert!(out.starts_with("\rlockgate: asking the registry about 3 packages\u{2026} 0/3"), "{out:?}");
        assert!(out.contains("\rlockgate: asking the registry about 3 packages\u{2026} 2/3"), "{out:?}");
        assert!(!out.contains('\n'), "never a new line: {out:?}");
        // Ends by blanking the whole line and returning to its start.
        let blank = format!("\r{}\r", " ".repeat(line(3, 0).chars().count()));
        assert!(out.ends_with(&blank), "{out:?}");
        // Redrawn only when the count moves, however long it waits.
        assert_eq!(out.matches("0/3").count(), 1, "{out:?}");
    }

    #[test]
    fn a_quick_run_draws_nothing() {
        let buffer = Buffer::default();
        drop(Progress::start(5, Box::new(buffer.clone())));
        assert!(buffer.0.lock().unwrap().is_empty());
    }
}

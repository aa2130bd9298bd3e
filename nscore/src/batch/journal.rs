//! What a batch has done so far, for undoing it when a later line fails:
//! each thing created or changed, in order, and a count of removals,
//! which cannot be undone and are only reported.

/// The undo journal of one batch; `T` says how to undo one step.
#[derive(Debug)]
pub struct Journal<T> {
    done: Vec<T>,
    removed: usize,
}

impl<T> Default for Journal<T> {
    fn default() -> Journal<T> {
        Journal {
            done: Vec::new(),
            removed: 0,
        }
    }
}

impl<T> Journal<T> {
    /// Notes one step that undo must reverse.
    pub fn record(&mut self, step: T) {
        self.done.push(step);
    }

    /// Notes `count` removals.
    pub fn removed(&mut self, count: usize) {
        self.removed += count;
    }

    /// The step recorded last.
    pub fn last(&self) -> Option<&T> {
        self.done.last()
    }

    /// How many removals the batch made.
    pub fn removals(&self) -> usize {
        self.removed
    }

    /// Reverses every step, the most recent first, going on past failures;
    /// returns them.
    pub fn undo(&mut self, mut step: impl FnMut(T) -> anyhow::Result<()>) -> Vec<anyhow::Error> {
        let mut failed = Vec::new();
        while let Some(done) = self.done.pop() {
            if let Err(e) = step(done) {
                failed.push(e);
            }
        }
        failed
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn undo_goes_backwards_and_past_failures() {
        let mut journal = Journal::default();
        for step in 1..=4 {
            journal.record(step);
        }
        journal.removed(2);
        let mut seen = Vec::new();
        let failed = journal.undo(|step| {
            seen.push(step);
            if step == 3 {
                anyhow::bail!("three")
            }
            Ok(())
        });
        assert_eq!(seen, [4, 3, 2, 1]);
        assert_eq!(failed.len(), 1);
        assert_eq!(journal.removals(), 2);
        assert!(journal.undo(|_| Ok(())).is_empty());
    }
}

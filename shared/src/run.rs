//! What the scheduled functions share: a run does what it can for every agency, and fails
//! as a whole (a Lambda error, so its alarm fires and EventBridge may retry) if anything
//! was left undone, saying what was done nonetheless.

use std::fmt;

/// A run that left something undone.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RunFailed<S> {
    /// What the run is, for its message: "anchoring", "disposition review".
    pub run: &'static str,
    /// What was done nonetheless.
    pub summary: S,
    /// What failed, one line each.
    pub failures: Vec<String>,
}

impl<S: Default> RunFailed<S> {
    /// A run that could not start: nothing done, one failure.
    pub fn at_start(run: &'static str, failure: String) -> Self {
        Self {
            run,
            summary: S::default(),
            failures: vec![failure],
        }
    }
}

/// `summary` if nothing failed, else the run's failure with it.
pub fn finish<S>(run: &'static str, summary: S, failures: Vec<String>) -> Result<S, RunFailed<S>> {
    if failures.is_empty() {
        Ok(summary)
    } else {
        Err(RunFailed {
            run,
            summary,
            failures,
        })
    }
}

impl<S> fmt::Display for RunFailed<S> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} failed: {}", self.run, self.failures.join("; "))
    }
}

impl<S: fmt::Debug> std::error::Error for RunFailed<S> {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_run_fails_only_with_failures_and_says_them_all() {
        assert_eq!(finish("review", 3, Vec::new()), Ok(3));
        let failed = finish("review", 2, vec!["parks: x".into(), "roads: y".into()]).unwrap_err();
        assert_eq!(failed.summary, 2);
        assert_eq!(failed.to_string(), "review failed: parks: x; roads: y");
        let nothing = RunFailed::<u32>::at_start("review", "reading: z".into());
        assert_eq!((nothing.summary, nothing.failures.len()), (0, 1));
    }
}

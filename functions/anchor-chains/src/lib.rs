//! The hourly anchoring of the audit chains: reads every record's chain head, and for each
//! agency whose heads changed since its latest anchor, signs their Merkle root and keeps
//! the anchor write-once ([`shared::anchor`]). Whoever can write the table can rewrite a
//! record and recompute its chain; they cannot make it agree with an anchor signed before.
//!
//! One agency's failure does not stop the others; the run fails (a Lambda error, so the
//! alarm fires and EventBridge retries) if any agency was left unanchored.

use serde::Serialize;
use shared::anchor::archive::AnchorArchive;
use shared::anchor::signer::AnchorSigner;
use shared::anchor::{AnchoredHeads, sign};
use shared::clock::Clock;
use shared::run::{RunFailed, finish};
use shared::store::ChainHeads;
use tracing::Instrument;

/// What a failed run's message calls it.
const RUN: &str = "anchoring";

/// What the handler works with, built once per container.
pub struct Anchoring<S, G, A> {
    /// Where the chain heads are read.
    pub store: S,
    /// Signs anchors.
    pub signer: G,
    /// Keeps anchors.
    pub archive: A,
    /// Where "now" comes from.
    pub clock: Clock,
}

/// What one run did.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct Summary {
    /// Agencies with records.
    pub agencies: usize,
    /// Agencies anchored anew.
    pub anchored: usize,
    /// Agencies whose latest anchor still holds every head (nothing written).
    pub unchanged: usize,
}

/// A run that left agencies unanchored (or could not read the heads at all).
pub type Failed = RunFailed<Summary>;

/// Whether an agency needed a new anchor.
enum Outcome {
    Anchored,
    Unchanged,
}

/// Anchors every agency whose chain heads changed since its latest anchor.
pub async fn anchor_all<S, G, A>(anchoring: &Anchoring<S, G, A>) -> Result<Summary, Failed>
where
    S: ChainHeads,
    G: AnchorSigner,
    A: AnchorArchive,
{
    let mut summary = Summary::default();
    let heads = anchoring
        .store
        .chain_heads()
        .await
        .map_err(|error| Failed::at_start(RUN, format!("reading the chain heads: {error}")))?;
    // One instant for the whole run: every agency's anchor says when its heads were read.
    let at = anchoring.clock.now();
    let mut failures = Vec::new();
    for (agency, heads) in heads {
        summary.agencies += 1;
        let heads = AnchoredHeads::new(agency.clone(), at, heads);
        let span = tracing::info_span!("anchor", %agency, heads = heads.heads.len());
        match anchor_agency(anchoring, &heads).instrument(span).await {
            Ok(Outcome::Anchored) => summary.anchored += 1,
            Ok(Outcome::Unchanged) => summary.unchanged += 1,
            Err(error) => {
                tracing::error!(%agency, %error, "agency not anchored");
                failures.push(format!("{agency}: {error}"));
            }
        }
    }
    finish(RUN, summary, failures)
}

async fn anchor_agency<S, G, A>(
    anchoring: &Anchoring<S, G, A>,
    heads: &AnchoredHeads,
) -> Result<Outcome, String>
where
    G: AnchorSigner,
    A: AnchorArchive,
{
    let root = heads.root();
    match anchoring.archive.latest(&heads.agency).await {
        Ok(Some(latest))
            if latest.anchor.root == root
                && latest.anchor.heads_count == heads.heads.len() as u64 =>
        {
            tracing::info!(%root, at = ?latest.anchor.at, "unchanged since the latest anchor");
            return Ok(Outcome::Unchanged);
        }
        Ok(_) => {}
        // Only an optimisation is lost: a new anchor is written anyway.
        Err(error) => tracing::warn!(%error, "cannot read the latest anchor"),
    }
    let anchor = sign(heads, &anchoring.signer)
        .await
        .map_err(|e| e.to_string())?;
    anchoring
        .archive
        .put(&anchor, heads)
        .await
        .map_err(|e| e.to_string())?;
    tracing::info!(root = %anchor.root, heads = anchor.heads_count, "anchored");
    Ok(Outcome::Anchored)
}

#[cfg(test)]
mod tests;

//! The audit chains anchored locally, as `anchor-chains` anchors them in AWS: the same
//! handler, signing with a P-256 key kept in the data folder (`anchor-key.p8`, owner-only)
//! and keeping anchors under `<data>/anchors/`. `serve` anchors at start and then
//! periodically; `dossier-local anchor` anchors once.

use std::path::Path;
use std::time::Duration;

use anchor_chains::{Anchoring, Summary, anchor_all};
use shared::anchor::archive::FileAnchors;
use shared::anchor::signer::LocalSigner;
use shared::clock::Clock;
use shared::store::ChainHeads;

/// The local signing key's file, under the data folder.
pub const KEY_FILE: &str = "anchor-key.p8";

/// Local anchoring of `store`: the data folder's key (created on first use) and archive.
pub fn local<S>(store: S, data: &Path) -> Result<Anchoring<S, LocalSigner, FileAnchors>, String> {
    let signer = LocalSigner::open_or_create(&data.join(KEY_FILE)).map_err(|e| e.to_string())?;
    Ok(Anchoring {
        store,
        signer,
        archive: FileAnchors::new(data),
        clock: Clock::system(),
    })
}

/// One run, summarised in a line.
pub async fn run_once<S: ChainHeads>(
    anchoring: &Anchoring<S, LocalSigner, FileAnchors>,
) -> Result<String, String> {
    anchor_all(anchoring)
        .await
        .map(|summary: Summary| {
            format!(
                "anchored {} of {} agencies ({} unchanged)",
                summary.anchored, summary.agencies, summary.unchanged
            )
        })
        .map_err(|failed| failed.to_string())
}

/// Anchors now, then every `every`, for as long as the server runs. A failed run is logged
/// and the next one tries again.
pub async fn periodically<S: ChainHeads>(
    anchoring: Anchoring<S, LocalSigner, FileAnchors>,
    every: Duration,
) {
    let mut ticks = tokio::time::interval(every);
    ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        ticks.tick().await;
        match run_once(&anchoring).await {
            Ok(line) => tracing::info!("{line}"),
            Err(error) => tracing::error!(%error, "anchoring failed"),
        }
    }
}

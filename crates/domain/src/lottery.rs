//! The public lottery (摇号) for units when applicants outnumber them. Verifiable by anyone:
//! before the draw the applicant list and SHA-256(seed) are published; after it the seed is
//! revealed. The order is a fixed function of (seed, applicant list):
//!
//! 1. the list is the applicants' ids (credit codes), sorted, one per line, ending in a newline;
//!    `list_hash` = hex SHA-256 of that text;
//! 2. each applicant's key = hex SHA-256 of `seed + "\n" + list_hash + "\n" + id`;
//! 3. applicants in ascending key order; the first N win the N units, in that order.

use sha2::{Digest, Sha256};

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

pub fn sha256_hex(text: &str) -> String {
    hex(&Sha256::digest(text.as_bytes()))
}

/// The published commitment to a seed.
pub fn commitment(seed: &str) -> String {
    sha256_hex(seed)
}

/// The canonical applicant list text and its hash.
pub fn list_hash(applicants: &[String]) -> String {
    let mut ids: Vec<&str> = applicants.iter().map(|a| a.trim()).collect();
    ids.sort_unstable();
    let text: String = ids.iter().map(|id| format!("{id}\n")).collect();
    sha256_hex(&text)
}

/// The draw: applicants in their order (winners first).
pub fn draw(seed: &str, applicants: &[String]) -> Vec<String> {
    let lh = list_hash(applicants);
    let mut keyed: Vec<(String, String)> =
        applicants.iter().map(|a| (sha256_hex(&format!("{seed}\n{lh}\n{}", a.trim())), a.trim().to_string())).collect();
    keyed.sort();
    keyed.into_iter().map(|(_, id)| id).collect()
}

/// Check a published draw: the seed matches its commitment and the order recomputes.
pub fn verify(
    seed: &str,
    published_commitment: &str,
    applicants: &[String],
    published_order: &[String],
) -> Result<(), &'static str> {
    if commitment(seed) != published_commitment.trim().to_ascii_lowercase() {
        return Err("lottery.seed_mismatch");
    }
    if draw(seed, applicants) != published_order {
        return Err("lottery.order_mismatch");
    }
    Ok(())
}

/// A lottery may be published when every unit it offers is a free unit of the park (`taken`:
/// those that are not, by id) and more applicants than units ask for them.
pub fn check_publish(taken: &[i64], units: usize, applicants: usize) -> Vec<crate::rules::Check> {
    use crate::rules::Check;
    let taken: Vec<String> = taken.iter().map(|id| id.to_string()).collect();
    vec![
        Check::new("lottery.units_available", taken.is_empty()).with("units", taken.join("、")),
        Check::new("lottery.oversubscribed", applicants > units).with("applicants", applicants).with("units", units),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;

    fn applicants() -> Vec<String> {
        ["91350100M000100Y43", "91310110666007217T", "91110000101623741K", "91330326MA2H00001P"]
            .map(String::from)
            .to_vec()
    }

    #[test]
    fn the_order_is_a_fixed_function_of_seed_and_list() {
        let a = draw("seed-2026-11-23", &applicants());
        assert_eq!(a.len(), 4);
        assert_eq!(a, draw("seed-2026-11-23", &applicants()));
        let mut shuffled = applicants();
        shuffled.reverse();
        assert_eq!(draw("seed-2026-11-23", &shuffled), a, "input order does not matter");
        assert_ne!(draw("another seed", &applicants()), a);
    }

    #[test]
    fn verify_reproduces_a_draw_and_detects_a_changed_list() {
        let seed = "平阳县 2026 第 3 批 万洋众创城";
        let order = draw(seed, &applicants());
        assert_eq!(verify(seed, &commitment(seed), &applicants(), &order), Ok(()));
        let mut changed = applicants();
        changed.push("91330326MA2H00002N".into());
        assert_eq!(verify(seed, &commitment(seed), &changed, &order), Err("lottery.order_mismatch"));
        assert_eq!(verify("other", &commitment(seed), &applicants(), &order), Err("lottery.seed_mismatch"));
        // The commitment is SHA-256 of the seed, which anyone can recompute.
        assert_eq!(commitment("abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    }

    #[test]
    fn a_lottery_needs_free_units_and_more_applicants_than_units() {
        let passed = |c: &[crate::rules::Check]| c.iter().map(|c| c.passed).collect::<Vec<_>>();
        assert_eq!(passed(&check_publish(&[], 2, 5)), vec![true, true]);
        assert_eq!(passed(&check_publish(&[7], 2, 5)), vec![false, true]);
        assert_eq!(passed(&check_publish(&[], 2, 2)), vec![true, false], "as many applicants as units: no draw");
    }
}

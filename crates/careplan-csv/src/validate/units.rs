//! Send units (rules.md E, F): files sharing sender, recipient and serial are checked as a set.

use std::collections::BTreeMap;

use crate::filename::NameMonth;
use crate::finding::{Problem, Severity};
use crate::kind::FileKind;
use crate::validate::{Checked, Mode};

/// A unit member as the send-unit table sees it: UPHOSOKU belongs to the plan unit (K1) with
/// month 000000 and to the 利用票 unit (K2/Y4) otherwise.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Slot {
    Kind(FileKind),
    HosokuPlan,
}

fn slot(c: &Checked) -> Option<Slot> {
    let n = c.file_name.as_ref()?;
    Some(match (n.kind, n.month) {
        (FileKind::UpHosoku, Some(NameMonth::PlanUnit)) => Slot::HosokuPlan,
        (k, _) => Slot::Kind(k),
    })
}

// The allowed combinations, from the spec's `send_units`.
fn allowed_units() -> Vec<Vec<Slot>> {
    crate::spec::spec()
        .send_units
        .iter()
        .map(|u| {
            let plan_unit = u.files.iter().any(|f| f == "UP1KYO");
            u.files
                .iter()
                .filter_map(|p| FileKind::from_prefix(p))
                .map(|k| {
                    if k == FileKind::UpHosoku && plan_unit {
                        Slot::HosokuPlan
                    } else {
                        Slot::Kind(k)
                    }
                })
                .collect()
        })
        .collect()
}

/// The parent whose records a dependent's keys must match, and the rule that says so.
fn parent_of(s: Slot) -> Option<(Slot, &'static str)> {
    Some(match s {
        Slot::Kind(FileKind::Up2Kyo | FileKind::Up3Kyo) | Slot::HosokuPlan => {
            (Slot::Kind(FileKind::Up1Kyo), "R46")
        }
        Slot::Kind(FileKind::UpSikyu | FileKind::UpHosoku) => (Slot::Kind(FileKind::UpPlan), "R47"),
        Slot::Kind(FileKind::UpKihonSub1 | FileKind::UpKihonSub2) => {
            (Slot::Kind(FileKind::UpKihon), "R48")
        }
        Slot::Kind(FileKind::UpYoboSub) => (Slot::Kind(FileKind::UpYobo), "R48"),
        _ => return None,
    })
}

fn kind_of(s: Slot) -> FileKind {
    match s {
        Slot::Kind(k) => k,
        Slot::HosokuPlan => FileKind::UpHosoku,
    }
}

pub(crate) fn check(files: &mut [Checked], mode: Mode) {
    let mut units: BTreeMap<String, Vec<usize>> = BTreeMap::new();
    for (i, c) in files.iter().enumerate() {
        if let Some(n) = &c.file_name {
            units.entry(n.middle()).or_default().push(i);
        }
    }
    let allowed = allowed_units();
    for members in units.values() {
        check_unit(files, members, &allowed, mode);
    }
}

fn check_unit(files: &mut [Checked], members: &[usize], allowed: &[Vec<Slot>], mode: Mode) {
    let strict = if mode == Mode::Send {
        Severity::Error
    } else {
        Severity::Warning
    };
    let slots: Vec<(usize, Slot)> = members
        .iter()
        .filter_map(|&i| Some((i, slot(&files[i])?)))
        .collect();
    let find = |s: Slot| slots.iter().find(|(_, x)| *x == s).map(|(i, _)| *i);
    let has = |s: Slot| find(s).is_some();

    // R40: the set of files is one of the allowed combinations.
    let combination_ok = allowed
        .iter()
        .any(|u| slots.iter().all(|(_, s)| u.contains(s)));
    if !combination_ok {
        let mut kinds: Vec<FileKind> = slots.iter().map(|(_, s)| kind_of(*s)).collect();
        kinds.sort();
        kinds.dedup();
        for &(i, _) in &slots {
            files[i].sink.file(
                "R40",
                strict,
                Problem::UnitNotAllowed {
                    kinds: kinds.clone(),
                },
            );
        }
    }

    // R41/R42: plan unit (K1) and 利用票 unit (K2/Y4) are complete.
    let families = [
        (
            Slot::Kind(FileKind::Up1Kyo),
            vec![
                Slot::Kind(FileKind::Up2Kyo),
                Slot::Kind(FileKind::Up3Kyo),
                Slot::HosokuPlan,
            ],
        ),
        (
            Slot::Kind(FileKind::UpPlan),
            vec![
                Slot::Kind(FileKind::UpSikyu),
                Slot::Kind(FileKind::UpHosoku),
            ],
        ),
    ];
    for (parent, companions) in &families {
        let present: Vec<usize> = slots
            .iter()
            .filter(|(_, s)| s == parent || companions.contains(s))
            .map(|(i, _)| *i)
            .collect();
        if present.is_empty() {
            continue;
        }
        match find(*parent) {
            None => {
                for &i in &present {
                    files[i].sink.file(
                        "R41",
                        Severity::Error,
                        Problem::UnitMissingParent {
                            parent: kind_of(*parent),
                        },
                    );
                }
            }
            Some(p) => {
                for c in companions.iter().filter(|c| !has(**c)) {
                    files[p].sink.file(
                        "R42",
                        strict,
                        Problem::UnitMissingCompanion {
                            missing: kind_of(*c),
                        },
                    );
                }
            }
        }
    }

    // R23/R43: 介護予防 別表 travel with their parent.
    for (parent, subs) in [
        (
            FileKind::UpKihon,
            &[FileKind::UpKihonSub1, FileKind::UpKihonSub2][..],
        ),
        (FileKind::UpYobo, &[FileKind::UpYoboSub][..]),
    ] {
        let parent_at = find(Slot::Kind(parent));
        for &(i, s) in &slots {
            if kind_of(s).derived_from() == Some(parent) && parent_at.is_none() {
                files[i].sink.file(
                    "R23",
                    Severity::Error,
                    Problem::DerivedWithoutParent { parent },
                );
            }
        }
        if let Some(p) = parent_at {
            for sub in subs.iter().filter(|s| !has(Slot::Kind(**s))) {
                files[p]
                    .sink
                    .file("R43", Severity::Warning, Problem::SubMissing { sub: *sub });
            }
        }
    }

    // R46–R48: every dependent record has its parent record.
    for &(i, s) in &slots {
        let Some((parent, code)) = parent_of(s) else {
            continue;
        };
        let Some(p) = find(parent) else { continue };
        let Some(parent_keys) = files[p].facts.as_ref().map(|f| &f.parent_keys) else {
            continue;
        };
        let mut orphans: Vec<(u64, String)> = files[i]
            .facts
            .as_ref()
            .map(|f| {
                f.child_keys
                    .iter()
                    .filter(|(k, _)| !parent_keys.contains(*k))
                    .map(|(key, line)| (*line, key.shown()))
                    .collect()
            })
            .unwrap_or_default();
        orphans.sort();
        for (line, key) in orphans {
            files[i].sink.record(
                line,
                code,
                Severity::Error,
                Problem::NoParentRecord {
                    parent: kind_of(parent),
                    key,
                },
            );
        }
    }

    // R49: images named in UPKIHON No.62 are in the unit, and every image is named.
    if let Some(k) = find(Slot::Kind(FileKind::UpKihon)) {
        let images: Vec<usize> = slots
            .iter()
            .filter(|(_, s)| *s == Slot::Kind(FileKind::UpKihonImage))
            .map(|(i, _)| *i)
            .collect();
        let refs = files[k]
            .facts
            .as_ref()
            .map(|f| f.image_refs.clone())
            .unwrap_or_default();
        for (name, line) in &refs {
            if !images
                .iter()
                .any(|&i| files[i].name.eq_ignore_ascii_case(name))
            {
                files[k].sink.item(
                    *line,
                    FileKind::UpKihon,
                    62,
                    "R49",
                    Severity::Error,
                    Problem::ImageMissing { name: name.clone() },
                );
            }
        }
        for i in images {
            if !refs
                .iter()
                .any(|(n, _)| n.eq_ignore_ascii_case(&files[i].name))
            {
                files[i]
                    .sink
                    .file("R49", Severity::Warning, Problem::ImageUnreferenced);
            }
        }
    }
}

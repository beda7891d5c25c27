//! What the CLI's tests share: running the built `kizuna`.

use std::process::{Command, Output};

/// Runs the `kizuna` binary of this build with `args`.
pub fn kizuna(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_kizuna"))
        .args(args)
        .output()
        .unwrap()
}

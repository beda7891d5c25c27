//! Kizuna desktop's executable: everything is in the library (`kizuna_desktop::run`).
#![cfg_attr(not(debug_assertions), windows_subsystem = "windows")]

fn main() {
    kizuna_desktop::run();
}

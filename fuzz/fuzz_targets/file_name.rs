//! Any text as a standard file name (the relay routes by it, the client files by it): nothing
//! may panic, and a name that parses prints back to one that parses the same.
#![no_main]

use careplan_csv::FileName;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|text: &str| {
    let Ok(name) = FileName::parse(text) else {
        return;
    };
    let printed = name.to_string();
    let again = FileName::parse(&printed).expect("a printed name parses");
    assert_eq!(again.to_string(), printed, "a printed name prints the same");
});

//! Harness for the end-to-end tests: builds and runs the real `kizuna-relay` and `kizuna` binaries.

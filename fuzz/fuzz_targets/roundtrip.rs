//! See `siftql::fuzz::roundtrip`.
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| siftql::fuzz::roundtrip(data));

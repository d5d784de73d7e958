//! One integration-test binary (as jj does): every test drives the real
//! `hrx` binary in its own temporary home, keystore, git config and clock.

mod common;

mod attacks;
mod crash;
mod docs;
mod fhir;
mod grants;
mod hub;
mod interop;
mod keys;
mod properties;
mod record;
mod recovery;
mod robustness;
mod scripting;
mod servers;
mod share;
mod summary;
mod sync;
mod trust;
mod tui;

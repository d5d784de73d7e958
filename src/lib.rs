//! hrx: a patient's health record as a signed, encrypted, append-only git
//! repository, exchanged across borders through ordinary git remotes.
//!
//! Layers: [`model`] and [`policy`] know the record and its rules and do no
//! I/O; [`crypto`] (Sequoia) and [`repo`] (git2) are storage and cryptography;
//! [`ops`] are the actions the CLI ([`cli`]) and the TUI call.

pub mod cli;
pub mod clock;
pub mod cores;
pub mod crypto;
pub mod error;
pub mod fault;
pub mod fhir;
pub mod fsutil;
pub mod id;
pub mod model;
pub mod ops;
pub mod pdf;
pub mod policy;
pub mod qr;
pub mod repo;
pub mod tui;
pub mod verify;

pub use error::{Error, Result};

//! `hrx tui`.

use super::output::Out;
use crate::error::Result;
use crate::ops::Context;

/// Arguments of `hrx tui`.
#[derive(clap::Args, Debug)]
#[command(after_help = "Keys: ? shows them all. Respects NO_COLOR.")]
pub struct Args {}

/// Runs `hrx tui`.
pub fn run(ctx: &mut Context, _a: &Args, _out: &Out) -> Result<i32> {
    crate::tui::run(ctx)?;
    Ok(super::exit::OK)
}

//! HL7 FHIR R4: reading bundles and single resources, and mapping resources
//! to hrx entries. Pure data: no I/O. The original resource JSON travels,
//! byte for byte, in each entry's `source.original`.

pub mod bundle;
pub mod export;
pub mod i18n;
pub mod map;

pub use bundle::{Parsed, Resource, parse};
pub use map::{Mapped, Mapping, map_all};

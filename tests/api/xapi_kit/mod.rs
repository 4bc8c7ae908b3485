//! Helpers of the xAPI tests: a spec validator and a small LRS.

pub mod lrs;
pub mod validate;

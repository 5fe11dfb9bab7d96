//! Reports: turning what the earlier stages found into text, JSON and the other outputs.
//! Nothing here parses logs; every writer takes a `Write` and the data to render.

pub mod github;
pub mod html;
pub mod json;
pub mod junit;
pub mod live;
pub mod patterns;
pub mod progress;
pub mod records;
pub mod text;

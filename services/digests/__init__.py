"""HR's attention (issue 22): score digests instead of a card per candidate (`window`, `record`,
`push`, `content`), each HR member's choice (`preferences`), and bulk decisions from a digest
card or the H5 ranking (`bulk`, `actions`)."""

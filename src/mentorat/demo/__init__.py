"""Example data: the story a newcomer sees (`story`) and the benchmarks' dataset (`bulk`)."""

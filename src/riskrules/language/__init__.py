"""The condition language (条件语言): types, IR, parser, rewrites, engine-fact layout, and one
generator per back end (durable-rules JSON, plain Python). A generator never imports another."""

"""What users write, read the same way everywhere: YAML with the line of every value (`yaml_lines`), the error
that names a file's line, and the value language of amounts, durations, dates and `@` references (`values`).
Scenario files, `--params` files and command-line options share it; it imports no other part of s4chain but
`errors`."""

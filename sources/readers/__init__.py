"""One reader module per source: its file names, partitions, columns and reader."""

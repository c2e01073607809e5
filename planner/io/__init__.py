"""Reading input (CSV folders, xlsx workbooks, encodings, Chinese headers) and writing plan folders."""

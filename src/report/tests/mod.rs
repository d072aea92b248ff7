//! Tests of the workbook writer.

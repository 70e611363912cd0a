//! Reading the paragraphs of a .docx file (placeholder; being written).

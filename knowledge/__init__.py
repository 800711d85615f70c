"""Past projects: model, embeddings, store, importers. Knows nothing of chat."""

{
  "targets": [
    {
      "target_name": "wal_index_map",
      "sources": ["src/db/wal-index-map.c"],
      "defines": ["NAPI_VERSION=8"]
    }
  ]
}

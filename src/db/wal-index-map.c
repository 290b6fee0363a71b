/*
 * One function for wal-index-stamp.ts: mapSharedReadOnly(fd, length) maps the first `length` bytes
 * of an open file into memory, read-only and shared with every process that maps it, and returns
 * them as a Buffer. The mapping is undone when the Buffer is garbage-collected.
 *
 * It takes a descriptor, never a path: opening and closing a descriptor of SQLite's -shm file here
 * would drop every POSIX lock this process holds on it, SQLite's own included.
 *
 * Node-API only, so one build serves every Node.js version from 20 on.
 */
#include <errno.h>
#include <node_api.h>
#include <stdint.h>
#include <string.h>
#include <sys/mman.h>

static void unmap(napi_env env, void *data, void *length) {
  (void)env;
  munmap(data, (size_t)(uintptr_t)length);
}

static napi_value map_shared_read_only(napi_env env, napi_callback_info info) {
  size_t argc = 2;
  napi_value argv[2];
  int32_t fd;
  int64_t length;
  if (napi_get_cb_info(env, info, &argc, argv, NULL, NULL) != napi_ok || argc != 2 ||
      napi_get_value_int32(env, argv[0], &fd) != napi_ok || napi_get_value_int64(env, argv[1], &length) != napi_ok ||
      fd < 0 || length <= 0) {
    napi_throw_type_error(env, NULL, "mapSharedReadOnly(fd, length): a descriptor and a positive length");
    return NULL;
  }
  void *data = mmap(NULL, (size_t)length, PROT_READ, MAP_SHARED, fd, 0);
  if (data == MAP_FAILED) {
    napi_throw_error(env, NULL, strerror(errno));
    return NULL;
  }
  napi_value buffer;
  if (napi_create_external_buffer(env, (size_t)length, data, unmap, (void *)(uintptr_t)length, &buffer) != napi_ok) {
    munmap(data, (size_t)length);
    // Runtimes that forbid external buffers say so here; the caller falls back to reading the file.
    bool pending = false;
    napi_is_exception_pending(env, &pending);
    if (!pending) napi_throw_error(env, NULL, "the mapping cannot be wrapped in a Buffer");
    return NULL;
  }
  return buffer;
}

NAPI_MODULE_INIT() {
  napi_value function;
  if (napi_create_function(env, "mapSharedReadOnly", NAPI_AUTO_LENGTH, map_shared_read_only, NULL, &function) != napi_ok ||
      napi_set_named_property(env, exports, "mapSharedReadOnly", function) != napi_ok)
    return NULL;
  return exports;
}

/* The C API used from plain C: load, inspect, run, and the errors for bad arguments.
 * usage: c_api_test MODEL.sprig INPUT.npy CLASS (a float32 .npy matching the first input, and the
 * class PyTorch predicts for it) */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sprig/sprig.h"

static int failures = 0;

#define CHECK(cond, ...)                        \
  do {                                          \
    if (!(cond)) {                              \
      fprintf(stderr, "FAILED %s:%d: ", __FILE__, __LINE__); \
      fprintf(stderr, __VA_ARGS__);             \
      fprintf(stderr, "\n");                    \
      ++failures;                               \
    }                                           \
  } while (0)

/* Reads the float32 payload of a version-1 .npy file (header parsing kept minimal). */
static float* read_npy_payload(const char* path, size_t* count) {
  FILE* file = fopen(path, "rb");
  unsigned char prefix[10];
  long size;
  float* data;
  size_t header;
  if (!file) return NULL;
  if (fread(prefix, 1, 10, file) != 10) { fclose(file); return NULL; }
  header = (size_t)prefix[8] | ((size_t)prefix[9] << 8);
  fseek(file, 0, SEEK_END);
  size = ftell(file) - 10 - (long)header;
  fseek(file, 10 + (long)header, SEEK_SET);
  data = (float*)malloc((size_t)size);
  *count = (size_t)size / sizeof(float);
  if (fread(data, 1, (size_t)size, file) != (size_t)size) { free(data); data = NULL; }
  fclose(file);
  return data;
}

int main(int argc, char** argv) {
  sprig_model* model = NULL;
  sprig_session* session = NULL;
  sprig_session_options options;
  sprig_tensor_info info;
  size_t count = 0;
  float* input;
  float output[64];
  const char* reference = "reference";
  const char* missing = "no-such-backend";
  int best = 0, i;

  if (argc != 4) { fprintf(stderr, "usage: %s MODEL INPUT.npy CLASS\n", argv[0]); return 2; }

  CHECK(sprig_model_load("/nonexistent.sprig", &model) == SPRIG_IO_ERROR, "missing file");
  CHECK(strstr(sprig_last_error(), "/nonexistent.sprig") != NULL, "message: %s", sprig_last_error());
  CHECK(model == NULL, "model stays null on failure");

  CHECK(sprig_model_load(argv[1], &model) == SPRIG_OK, "load: %s", sprig_last_error());
  if (!model) return 1;
  CHECK(sprig_model_num_inputs(model) == 1, "one input");
  CHECK(sprig_model_num_outputs(model) == 1, "one output");
  CHECK(sprig_model_arena_bytes(model) > 0, "arena bytes");

  sprig_session_options_init(&options);
  options.backends = &missing;
  options.num_backends = 1;
  CHECK(sprig_session_create(model, &options, &session) == SPRIG_UNSUPPORTED, "unknown backend");
  CHECK(strstr(sprig_last_error(), "no-such-backend") != NULL, "message: %s", sprig_last_error());

  options.backends = &reference;
  CHECK(sprig_session_create(model, &options, &session) == SPRIG_OK, "session: %s", sprig_last_error());
  if (!session) return 1;

  {
    sprig_adapter* adapter = NULL;
    CHECK(sprig_adapter_load(argv[1], &adapter) == SPRIG_INVALID_MODEL, "a model as an adapter");
    CHECK(strstr(sprig_last_error(), "this is a model, not a LoRA adapter") != NULL, "message: %s",
          sprig_last_error());
    CHECK(adapter == NULL, "adapter stays null on failure");
    CHECK(sprig_adapter_load("/nonexistent.sprig", &adapter) == SPRIG_IO_ERROR, "missing adapter");
    CHECK(sprig_session_bind_adapter(session, NULL, 1.0f) == SPRIG_INVALID_ARGUMENT, "null adapter");
    CHECK(sprig_session_unbind_adapter(session, NULL) == SPRIG_OK, "unbinding none");
    sprig_adapter_free(NULL);
  }

  CHECK(sprig_session_input_info(session, 0, &info) == SPRIG_OK, "input info");
  CHECK(info.dtype == SPRIG_F32 && info.rank == 4, "input is f32 rank 4");
  CHECK(info.dynamic_dim0 == 0 && info.max_dim0 == info.dims[0], "a fixed leading dimension");
  CHECK(sprig_session_set_rows(session, 0, 1) == SPRIG_INVALID_ARGUMENT, "set_rows on a fixed input");
  CHECK(strstr(sprig_last_error(), "fixed") != NULL, "message: %s", sprig_last_error());
  CHECK(sprig_session_input_info(session, 5, &info) == SPRIG_INVALID_ARGUMENT, "input index range");
  CHECK(sprig_session_input_info(session, 0, &info) == SPRIG_OK, "input info again");

  input = read_npy_payload(argv[2], &count);
  CHECK(input != NULL && count * sizeof(float) == info.bytes, "input file matches the model input");
  if (!input) return 1;
  CHECK(sprig_session_set_input(session, 0, input, info.bytes - 4) == SPRIG_INVALID_ARGUMENT,
        "wrong input size refused");
  CHECK(strstr(sprig_last_error(), "takes") != NULL, "message: %s", sprig_last_error());
  CHECK(sprig_session_set_input(session, 0, input, info.bytes) == SPRIG_OK, "set input");
  CHECK(sprig_session_run(session) == SPRIG_OK, "run: %s", sprig_last_error());

  CHECK(sprig_session_output_info(session, 0, &info) == SPRIG_OK, "output info");
  CHECK(info.bytes <= sizeof(output), "output fits");
  CHECK(sprig_session_get_output(session, 0, output, info.bytes) == SPRIG_OK, "get output");
  for (i = 1; i < (int)(info.bytes / sizeof(float)); ++i)
    if (output[i] > output[best]) best = i;
  printf("c_api_test: predicted class %d\n", best);
  CHECK(best == atoi(argv[3]), "predicted class %d, PyTorch predicts %s", best, argv[3]);
  CHECK(memcmp(output, info.data, info.bytes) == 0, "info.data is the output");

  free(input);
  sprig_session_free(session);
  sprig_model_free(model);
  printf("c_api_test: %d failed checks\n", failures);
  return failures ? 1 : 0;
}

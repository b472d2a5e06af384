/* Sprig C API: load a .sprig model, create sessions, run them.
 *
 * Stable ABI: functions and enum values are only appended. Every call returns a sprig_status;
 * on failure sprig_last_error() gives a message (thread-local, valid until the next failing call
 * on the same thread) naming what is wrong.
 *
 * Threading: a sprig_model is immutable and may be shared by any number of sessions on any
 * threads. A sprig_session must be used by one thread at a time.
 * Memory: sprig_session_create allocates; sprig_session_run never does.
 */
#ifndef SPRIG_SPRIG_H_
#define SPRIG_SPRIG_H_

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef enum sprig_status {
  SPRIG_OK = 0,
  SPRIG_INVALID_ARGUMENT = 1,
  SPRIG_INVALID_MODEL = 2,
  SPRIG_UNSUPPORTED = 3,
  SPRIG_OUT_OF_MEMORY = 4,
  SPRIG_BACKEND_ERROR = 5,
  SPRIG_IO_ERROR = 6
} sprig_status;

typedef enum sprig_dtype {
  SPRIG_F32 = 0,
  SPRIG_F16 = 1,
  SPRIG_BF16 = 2,
  SPRIG_I8 = 3,
  SPRIG_U8 = 4,
  SPRIG_I32 = 5,
  SPRIG_I64 = 6,
  SPRIG_I4 = 7
} sprig_dtype;

#define SPRIG_MAX_RANK 8

typedef struct sprig_model sprig_model;
typedef struct sprig_session sprig_session;

typedef struct sprig_tensor_info {
  const char* name;          /* owned by the model */
  sprig_dtype dtype;
  int32_t rank;
  int64_t dims[SPRIG_MAX_RANK]; /* dims[0] as now set (sprig_session_set_rows) */
  size_t bytes;
  void* data;                /* in the session's arena; valid for the session's lifetime */
  int64_t max_dim0;          /* dims[0]'s upper bound; 0 when rank is 0 */
  int32_t dynamic_dim0;      /* 1: dims[0] can be set at run time (sprig_session_set_rows) */
} sprig_tensor_info;

typedef struct sprig_session_options {
  /* Backend names in order of preference ("cpu", "cpu-own", "reference"), or NULL for every
   * compiled backend, best first. Each op runs on the first listed backend that supports it. */
  const char* const* backends;
  int32_t num_backends;
  /* Optional caller-owned arena, 64-byte aligned, at least sprig_model_arena_bytes(). */
  void* arena;
  size_t arena_bytes;
  /* Threads in all, the calling thread included; 0: the number of physical (big) cores. The
   * session runs a call on the calling thread alone when its workers make it slower (another
   * process busy on a core). */
  int32_t num_threads;
} sprig_session_options;

const char* sprig_last_error(void);
const char* sprig_status_name(sprig_status status);

/* Maps and verifies a model file. */
sprig_status sprig_model_load(const char* path, sprig_model** out_model);
void sprig_model_free(sprig_model* model);
size_t sprig_model_arena_bytes(const sprig_model* model);
int32_t sprig_model_num_inputs(const sprig_model* model);
int32_t sprig_model_num_outputs(const sprig_model* model);

/* Fills options with the defaults. */
void sprig_session_options_init(sprig_session_options* options);
/* options may be NULL for the defaults. */
sprig_status sprig_session_create(const sprig_model* model, const sprig_session_options* options,
                                  sprig_session** out_session);
void sprig_session_free(sprig_session* session);

sprig_status sprig_session_input_info(const sprig_session* session, int32_t index,
                                      sprig_tensor_info* out_info);
sprig_status sprig_session_output_info(const sprig_session* session, int32_t index,
                                       sprig_tensor_info* out_info);
/* Copies `bytes` bytes (must equal the input's size) into input `index`. */
sprig_status sprig_session_set_input(sprig_session* session, int32_t index, const void* data,
                                     size_t bytes);
/* Sets input `index`'s leading dimension to `rows` (1..max_dim0) for the runs that follow, where
 * the model has a run-time leading dimension there (dynamic_dim0: a text decoder's tokens per
 * run, an encoder's sequence length): the tensors that share it, outputs included, change with
 * it, and a run does the work of `rows` rows. Set it before sprig_session_set_input, whose size
 * follows it. No allocation. */
sprig_status sprig_session_set_rows(sprig_session* session, int32_t index, int64_t rows);
sprig_status sprig_session_run(sprig_session* session);
/* Copies output `index` (exactly `bytes` bytes) out of the session. */
sprig_status sprig_session_get_output(const sprig_session* session, int32_t index, void* data,
                                      size_t bytes);

/* ---- LoRA adapters (files from sprig-convert or sprig finetune) ---- */

typedef struct sprig_adapter sprig_adapter;

/* Maps and verifies an adapter file. It may be bound to any number of sessions of the model it was
 * trained for, and must outlive those bindings. */
sprig_status sprig_adapter_load(const char* path, sprig_adapter** out_adapter);
void sprig_adapter_free(sprig_adapter* adapter);
/* Binds `adapter` to `session` at `scale` (1: as trained), alongside adapters bound before (again:
 * changes its scale), from the next run on; the base model is untouched and other sessions on it
 * are unaffected. SPRIG_ERROR_INVALID_ARGUMENT for an adapter trained for another base model (both
 * content hashes named) or targets the model does not have; nothing changes on error. May
 * allocate; runs stay allocation-free. */
sprig_status sprig_session_bind_adapter(sprig_session* session, const sprig_adapter* adapter,
                                        float scale);
/* Unbinds `adapter`, or every adapter when it is NULL. */
sprig_status sprig_session_unbind_adapter(sprig_session* session, const sprig_adapter* adapter);

/* ---- Text generation (models converted from Hugging Face decoders, with a tokenizer) ---- */

typedef struct sprig_generator sprig_generator;

typedef struct sprig_generate_options {
  int32_t max_new_tokens;     /* default 128 */
  float temperature;          /* 0: greedy (default) */
  int32_t top_k;              /* 0: off */
  float top_p;                /* 1: off */
  float min_p;                /* 0: off */
  float repetition_penalty;   /* 1: off */
  uint64_t seed;
  /* Generation stops when the text contains one of these (not passed to the callback). */
  const char* const* stop_strings;
  int32_t num_stop_strings;
  int32_t parse_special;      /* nonzero: special tokens' text in the prompt becomes those tokens */
} sprig_generate_options;

typedef enum sprig_stop_reason {
  SPRIG_STOP_EOS = 0,
  SPRIG_STOP_STRING = 1,
  SPRIG_STOP_MAX_TOKENS = 2,
  SPRIG_STOP_CONTEXT_FULL = 3,
  SPRIG_STOP_CANCELLED = 4,
} sprig_stop_reason;

typedef struct sprig_generation_stats {
  int32_t prompt_tokens;
  int32_t generated_tokens;
  double prefill_ms;
  double decode_ms;
  sprig_stop_reason stop_reason;
} sprig_generation_stats;

/* Receives generated UTF-8 text as it comes (whole characters only; not NUL-terminated). Return
 * nonzero to go on, 0 to stop (SPRIG_STOP_CANCELLED). */
typedef int32_t (*sprig_text_callback)(void* user_data, const char* text, size_t size);

void sprig_generate_options_init(sprig_generate_options* options);
/* A generator over `session` (which it uses exclusively and must outlive it) with the model's
 * tokenizer; options may be NULL for the defaults. */
sprig_status sprig_generator_create(sprig_session* session, const sprig_generate_options* options,
                                    sprig_generator** out_generator);
void sprig_generator_free(sprig_generator* generator);
/* Continues the conversation with `prompt` and streams the reply to `callback` (may be NULL);
 * stats may be NULL. */
sprig_status sprig_generator_generate(sprig_generator* generator, const char* prompt,
                                      sprig_text_callback callback, void* user_data,
                                      sprig_generation_stats* stats);
/* Forgets the conversation (clears the KV cache). */
void sprig_generator_reset(sprig_generator* generator);

#ifdef __cplusplus
}
#endif

#endif /* SPRIG_SPRIG_H_ */

// The codecs are defined in object_codecs.h; this unit makes the header compile on its own.
#include "kube/api/core/object_codecs.h"

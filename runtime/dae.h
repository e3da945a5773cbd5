/* dae.h: the one header a daec-generated trainer includes. */
#ifndef DAE_H
#define DAE_H

#include <string.h>
#include "error.h"
#include "rng.h"
#include "act.h"
#include "dense.h"
#include "conv.h"
#include "loss.h"
#include "optim.h"
#include "init.h"
#include "model.h"
#include "session.h"

#endif

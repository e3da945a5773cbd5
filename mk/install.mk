# make install, make uninstall: the GNU way. PREFIX (default /usr/local)
# is where the files will live and what daec.pc records; DESTDIR is a
# staging root prepended to every path and recorded nowhere:
#   make install PREFIX=$HOME/.local
#   make install PREFIX=/usr DESTDIR=/tmp/pkgroot   (for packaging)
# Each directory below can be overridden on its own (LIBDIR=... and so on).
# Installed: bin/daec, lib/libdae.a, include/daec/*.h, lib/pkgconfig/daec.pc
# and share/man/man1/daec.1, so that outside this repository
#   cc -O2 NAME.c $(pkg-config --cflags --libs daec) -o NAME
# builds a trainer that daec generated.
PREFIX       ?= /usr/local
EXEC_PREFIX  = $(PREFIX)
BINDIR       = $(EXEC_PREFIX)/bin
LIBDIR       = $(EXEC_PREFIX)/lib
INCLUDEDIR   = $(PREFIX)/include
DATAROOTDIR  = $(PREFIX)/share
MANDIR       = $(DATAROOTDIR)/man
PKGCONFIGDIR = $(LIBDIR)/pkgconfig
INSTALL      ?= install

# daec.pc names its directories relative to ${prefix} where they are under
# it (so pkg-config --define-prefix can relocate them), absolutely otherwise.
pc_dir = $(patsubst $(PREFIX)/%,$${prefix}/%,$(1))

.PHONY: install uninstall

# libdae.a is static, so daec.pc's Libs carry everything it links against.
install: $(DAEC) $(B)/libdae.a mk/daec.pc.in docs/daec.1 $(RUNTIME_HDR)
	sed -e 's|@PREFIX@|$(PREFIX)|g' \
	    -e 's|@LIBDIR@|$(call pc_dir,$(LIBDIR))|g' \
	    -e 's|@INCLUDEDIR@|$(call pc_dir,$(INCLUDEDIR))|g' \
	    -e 's|@VERSION@|$(VERSION)|g' \
	    -e 's|@LDLIBS@|$(LDLIBS)|g' mk/daec.pc.in >$(B)/daec.pc
	$(INSTALL) -d $(DESTDIR)$(BINDIR) $(DESTDIR)$(LIBDIR) \
	    $(DESTDIR)$(INCLUDEDIR)/daec $(DESTDIR)$(PKGCONFIGDIR) $(DESTDIR)$(MANDIR)/man1
	$(INSTALL) -m 755 $(DAEC) $(DESTDIR)$(BINDIR)/daec
	$(INSTALL) -m 644 $(B)/libdae.a $(DESTDIR)$(LIBDIR)/libdae.a
	$(INSTALL) -m 644 $(RUNTIME_HDR) $(DESTDIR)$(INCLUDEDIR)/daec/
	$(INSTALL) -m 644 $(B)/daec.pc $(DESTDIR)$(PKGCONFIGDIR)/daec.pc
	$(INSTALL) -m 644 docs/daec.1 $(DESTDIR)$(MANDIR)/man1/daec.1

# Removes what install put there, and include/daec once it is empty.
uninstall:
	rm -f $(DESTDIR)$(BINDIR)/daec $(DESTDIR)$(LIBDIR)/libdae.a \
	    $(DESTDIR)$(PKGCONFIGDIR)/daec.pc $(DESTDIR)$(MANDIR)/man1/daec.1 \
	    $(addprefix $(DESTDIR)$(INCLUDEDIR)/daec/,$(notdir $(RUNTIME_HDR)))
	rmdir $(DESTDIR)$(INCLUDEDIR)/daec 2>/dev/null || true

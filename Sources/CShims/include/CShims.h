#ifndef VIRTLAB_CSHIMS_H
#define VIRTLAB_CSHIMS_H
// Only what Swift cannot import from ncurses directly. Every symbol is prefixed vl_.
#include "../../CNcurses/shim.h"

// Swift 6 rejects C globals as shared mutable state; read them through functions.
WINDOW *vl_stdscr(void);
int vl_lines(void);
int vl_cols(void);
int vl_colors(void);
int vl_color_pairs(void);

// getmaxyx is a macro.
void vl_getmaxyx(WINDOW *win, int *rows, int *cols);

// KEY_F(n) and COLOR_PAIR(n) are function-like macros.
int vl_key_f(int n);
attr_t vl_color_pair(int pair);

// A_* attributes are macros built from NCURSES_BITS, which Swift does not import.
attr_t vl_attr_normal(void);
attr_t vl_attr_bold(void);
attr_t vl_attr_dim(void);
attr_t vl_attr_underline(void);
attr_t vl_attr_reverse(void);
attr_t vl_attr_italic(void);

// ACS_* line-drawing characters index a global array (acs_map) that exists only after initscr.
chtype vl_acs(char which);

// wattr_set may be a macro depending on how ncurses was built; pairs above 255 do not fit COLOR_PAIR().
int vl_set_style(WINDOW *win, attr_t attrs, int pair);

// cfmakeraw/tcsetattr for the console session: the terminal is raw while a guest console is attached.
int vl_tty_raw(int fd, void *saved, int saved_size);
int vl_tty_restore(int fd, const void *saved, int saved_size);
int vl_termios_size(void);

#endif

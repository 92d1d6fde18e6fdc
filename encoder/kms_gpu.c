/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * GPU read-back of a tiled/compressed scan-out (kms_gpu.h), EGL on GBM:
 *
 *   new     dlopen libEGL, libGLESv2, libgbm -> render node of the card
 *           (drmGetRenderDeviceNameFromFd; else the card fd itself) ->
 *           gbm_create_device -> eglGetPlatformDisplay(GBM) -> an OpenGL ES 2
 *           context without surface (EGL_KHR_surfaceless_context) -> two tiny
 *           programs (external and 2D texture) that write B, G, R, 1 -> an
 *           RGBA texture as the framebuffer object's colour.
 *   import  EGL_LINUX_DMA_BUF_EXT image from every plane with the modifier ->
 *           GL_TEXTURE_EXTERNAL_OES (any layout the driver can sample).
 *   read    one full-screen quad, glReadPixels(RGBA): the bytes land as
 *           B, G, R, 1 per pixel, row 0 first (the texture's row 0 is drawn
 *           at the bottom, which glReadPixels returns first).
 */
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define EGL_EGL_PROTOTYPES 0
#include <EGL/egl.h>
#include <EGL/eglext.h>
#include <GLES2/gl2.h>
#include <GLES2/gl2ext.h>
#include <gbm.h>
#include <xf86drm.h>

#include "../protocol/macro.h"
#include "capture_backend.h"
#include "kms_gpu.h"

/* The functions we use, each from the library that has it (GL ones through dlsym on libGLESv2). */
#define EGL_FUNCS(X)                                                                                        \
        X(PFNEGLGETPROCADDRESSPROC, GetProcAddress, eglGetProcAddress)                                      \
        X(PFNEGLQUERYSTRINGPROC, QueryString, eglQueryString)                                               \
        X(PFNEGLINITIALIZEPROC, Initialize, eglInitialize)                                                  \
        X(PFNEGLTERMINATEPROC, Terminate, eglTerminate)                                                     \
        X(PFNEGLBINDAPIPROC, BindAPI, eglBindAPI)                                                           \
        X(PFNEGLCHOOSECONFIGPROC, ChooseConfig, eglChooseConfig)                                            \
        X(PFNEGLCREATECONTEXTPROC, CreateContext, eglCreateContext)                                         \
        X(PFNEGLDESTROYCONTEXTPROC, DestroyContext, eglDestroyContext)                                      \
        X(PFNEGLMAKECURRENTPROC, MakeCurrent, eglMakeCurrent)                                               \
        X(PFNEGLGETERRORPROC, GetError, eglGetError)                                                        \
        X(PFNEGLRELEASETHREADPROC, ReleaseThread, eglReleaseThread)
#define GL_FUNCS(X)                                                                                         \
        X(GLenum (*)(void), GetError, glGetError)                                                           \
        X(const GLubyte *(*)(GLenum), GetString, glGetString)                                               \
        X(void (*)(GLenum, GLint *), GetIntegerv, glGetIntegerv)                                            \
        X(GLuint (*)(GLenum), CreateShader, glCreateShader)                                                 \
        X(void (*)(GLuint, GLsizei, const GLchar *const *, const GLint *), ShaderSource, glShaderSource)    \
        X(void (*)(GLuint), CompileShader, glCompileShader)                                                 \
        X(void (*)(GLuint, GLenum, GLint *), GetShaderiv, glGetShaderiv)                                    \
        X(void (*)(GLuint, GLsizei, GLsizei *, GLchar *), GetShaderInfoLog, glGetShaderInfoLog)             \
        X(void (*)(GLuint), DeleteShader, glDeleteShader)                                                   \
        X(GLuint (*)(void), CreateProgram, glCreateProgram)                                                 \
        X(void (*)(GLuint, GLuint), AttachShader, glAttachShader)                                           \
        X(void (*)(GLuint, GLuint, const GLchar *), BindAttribLocation, glBindAttribLocation)               \
        X(void (*)(GLuint), LinkProgram, glLinkProgram)                                                     \
        X(void (*)(GLuint, GLenum, GLint *), GetProgramiv, glGetProgramiv)                                  \
        X(void (*)(GLuint), DeleteProgram, glDeleteProgram)                                                 \
        X(void (*)(GLuint), UseProgram, glUseProgram)                                                       \
        X(GLint (*)(GLuint, const GLchar *), GetUniformLocation, glGetUniformLocation)                      \
        X(void (*)(GLint, GLint), Uniform1i, glUniform1i)                                                   \
        X(void (*)(GLsizei, GLuint *), GenTextures, glGenTextures)                                          \
        X(void (*)(GLsizei, const GLuint *), DeleteTextures, glDeleteTextures)                              \
        X(void (*)(GLenum, GLuint), BindTexture, glBindTexture)                                             \
        X(void (*)(GLenum, GLenum, GLint), TexParameteri, glTexParameteri)                                  \
        X(void (*)(GLenum, GLint, GLint, GLsizei, GLsizei, GLint, GLenum, GLenum, const void *), TexImage2D, \
          glTexImage2D)                                                                                     \
        X(void (*)(GLenum, GLint), PixelStorei, glPixelStorei)                                              \
        X(void (*)(GLsizei, GLuint *), GenFramebuffers, glGenFramebuffers)                                  \
        X(void (*)(GLsizei, const GLuint *), DeleteFramebuffers, glDeleteFramebuffers)                      \
        X(void (*)(GLenum, GLuint), BindFramebuffer, glBindFramebuffer)                                     \
        X(void (*)(GLenum, GLenum, GLenum, GLuint, GLint), FramebufferTexture2D, glFramebufferTexture2D)    \
        X(GLenum (*)(GLenum), CheckFramebufferStatus, glCheckFramebufferStatus)                             \
        X(void (*)(GLint, GLint, GLsizei, GLsizei), Viewport, glViewport)                                   \
        X(void (*)(GLenum), ActiveTexture, glActiveTexture)                                                 \
        X(void (*)(GLuint), EnableVertexAttribArray, glEnableVertexAttribArray)                             \
        X(void (*)(GLuint, GLint, GLenum, GLboolean, GLsizei, const void *), VertexAttribPointer,           \
          glVertexAttribPointer)                                                                            \
        X(void (*)(GLenum, GLint, GLsizei), DrawArrays, glDrawArrays)                                       \
        X(void (*)(GLint, GLint, GLsizei, GLsizei, GLenum, GLenum, void *), ReadPixels, glReadPixels)       \
        X(void (*)(void), Finish, glFinish)

#define DECLARE(type, member, name) __typeof__(type) member;

struct kms_gpu {
        void *libegl, *libgles, *libgbm; /* dlopen handles, owned */
        struct {
                EGL_FUNCS(DECLARE)
                PFNEGLGETPLATFORMDISPLAYEXTPROC GetPlatformDisplayEXT;
                PFNEGLCREATEIMAGEKHRPROC CreateImageKHR;
                PFNEGLDESTROYIMAGEKHRPROC DestroyImageKHR;
        } egl;
        struct {
                GL_FUNCS(DECLARE)
                PFNGLEGLIMAGETARGETTEXTURE2DOESPROC EGLImageTargetTexture2DOES;
        } gl;
        struct gbm_device *(*gbm_create_device)(int fd);
        void (*gbm_device_destroy)(struct gbm_device *gbm);

        int fd;                 /* render (or card) node, owned; -1 surfaceless */
        struct gbm_device *gbm; /* owned */
        EGLDisplay dpy;
        EGLContext ctx;
        bool has_dmabuf;    /* EGL_EXT_image_dma_buf_import */
        bool has_modifiers; /* EGL_EXT_image_dma_buf_import_modifiers */
        bool has_bgra;      /* GL_EXT_texture_format_BGRA8888 (memory uploads) */
        GLint max_size;

        GLuint prog_external, prog_2d; /* programs sampling an EGLImage / a 2D texture */
        GLuint src_tex;                /* the imported picture */
        GLenum src_target;             /* GL_TEXTURE_EXTERNAL_OES or GL_TEXTURE_2D; 0: nothing imported */
        EGLImageKHR image;             /* behind src_tex when imported from dma-bufs */
        GLuint dst_tex, fbo;           /* the linear picture we read */
        unsigned width, height;        /* of the imported picture (dst_tex has this size) */

        char describe[256];
};

DEFINE_CLEANUP(struct kms_gpu *, kms_gpu_free);

static const char vertex_src[] = "attribute vec2 pos;\n"
                                 "varying vec2 uv;\n"
                                 "void main() {\n"
                                 "  uv = pos * 0.5 + 0.5;\n"
                                 "  gl_Position = vec4(pos, 0.0, 1.0);\n"
                                 "}\n";
/* Write B, G, R, 1: glReadPixels(RGBA) then leaves XRGB8888 in memory (little endian). */
static const char fragment_external_src[] = "#extension GL_OES_EGL_image_external : require\n"
                                            "precision mediump float;\n"
                                            "varying vec2 uv;\n"
                                            "uniform samplerExternalOES tex;\n"
                                            "void main() {\n"
                                            "  vec4 c = texture2D(tex, uv);\n"
                                            "  gl_FragColor = vec4(c.b, c.g, c.r, 1.0);\n"
                                            "}\n";
static const char fragment_2d_src[] = "precision mediump float;\n"
                                      "varying vec2 uv;\n"
                                      "uniform sampler2D tex;\n"
                                      "void main() {\n"
                                      "  vec4 c = texture2D(tex, uv);\n"
                                      "  gl_FragColor = vec4(c.b, c.g, c.r, 1.0);\n"
                                      "}\n";

static bool has_extension(const char *list, const char *name)
{
        size_t n = strlen(name);

        for (const char *p = list; p && (p = strstr(p, name)); p += n)
                if ((p == list || p[-1] == ' ') && (p[n] == ' ' || p[n] == '\0'))
                        return true;
        return false;
}

static void *load_library(const char *soname, const char *what)
{
        void *h = dlopen(soname, RTLD_NOW | RTLD_LOCAL);

        if (!h)
                capture_set_error(-ENOENT, "kms: GPU read-back needs %s (%s): %s", soname, what, dlerror());
        return h;
}

static int load_functions(struct kms_gpu *g)
{
        g->libegl = load_library("libEGL.so.1", "EGL");
        if (!g->libegl)
                return -ENOENT;
        g->libgles = load_library("libGLESv2.so.2", "OpenGL ES 2");
        if (!g->libgles)
                return -ENOENT;
#define LOAD_EGL(type, member, name)                                                                        \
        g->egl.member = (type) dlsym(g->libegl, #name);                                                     \
        if (!g->egl.member)                                                                                 \
                return capture_set_error(-ENOENT, "kms: libEGL.so.1 has no %s", #name);
        EGL_FUNCS(LOAD_EGL)
#define LOAD_GL(type, member, name)                                                                         \
        g->gl.member = (type) dlsym(g->libgles, #name);                                                     \
        if (!g->gl.member)                                                                                  \
                return capture_set_error(-ENOENT, "kms: libGLESv2.so.2 has no %s", #name);
        GL_FUNCS(LOAD_GL)
        return 0;
}

static int load_gbm(struct kms_gpu *g)
{
        g->libgbm = load_library("libgbm.so.1", "GBM, Mesa's buffer manager");
        if (!g->libgbm)
                return -ENOENT;
        g->gbm_create_device = (struct gbm_device * (*) (int) ) dlsym(g->libgbm, "gbm_create_device");
        g->gbm_device_destroy = (void (*)(struct gbm_device *)) dlsym(g->libgbm, "gbm_device_destroy");
        if (!g->gbm_create_device || !g->gbm_device_destroy)
                return capture_set_error(-ENOENT, "kms: libgbm.so.1 lacks gbm_create_device");
        return 0;
}

static bool make_current(struct kms_gpu *g)
{
        return g->egl.MakeCurrent(g->dpy, EGL_NO_SURFACE, EGL_NO_SURFACE, g->ctx);
}

static void release_current(struct kms_gpu *g)
{
        (void) g->egl.MakeCurrent(g->dpy, EGL_NO_SURFACE, EGL_NO_SURFACE, EGL_NO_CONTEXT);
}

static GLuint compile(struct kms_gpu *g, GLenum type, const char *src)
{
        GLuint s = g->gl.CreateShader(type);
        GLint ok = 0;

        if (!s)
                return 0;
        g->gl.ShaderSource(s, 1, &src, NULL);
        g->gl.CompileShader(s);
        g->gl.GetShaderiv(s, GL_COMPILE_STATUS, &ok);
        if (!ok) {
                char log[256] = "";

                g->gl.GetShaderInfoLog(s, sizeof(log), NULL, log);
                capture_set_error(-ENOTSUP, "kms: GPU read-back shader does not compile: %s", log);
                g->gl.DeleteShader(s);
                return 0;
        }
        return s;
}

static GLuint link_program(struct kms_gpu *g, const char *fragment_src)
{
        GLuint vs = compile(g, GL_VERTEX_SHADER, vertex_src), fs, p;
        GLint ok = 0;

        if (!vs)
                return 0;
        fs = compile(g, GL_FRAGMENT_SHADER, fragment_src);
        if (!fs) {
                g->gl.DeleteShader(vs);
                return 0;
        }
        p = g->gl.CreateProgram();
        g->gl.AttachShader(p, vs);
        g->gl.AttachShader(p, fs);
        g->gl.BindAttribLocation(p, 0, "pos");
        g->gl.LinkProgram(p);
        g->gl.DeleteShader(vs);
        g->gl.DeleteShader(fs);
        g->gl.GetProgramiv(p, GL_LINK_STATUS, &ok);
        if (!ok) {
                g->gl.DeleteProgram(p);
                capture_set_error(-ENOTSUP, "kms: GPU read-back program does not link");
                return 0;
        }
        g->gl.UseProgram(p);
        g->gl.Uniform1i(g->gl.GetUniformLocation(p, "tex"), 0);
        return p;
}

/* The GPU's render node (/dev/dri/renderD*), else the card node itself (vkms has no render node). */
static int open_gpu_node(int drm_fd, char *path, size_t size)
{
        char *render = drmGetRenderDeviceNameFromFd(drm_fd), *card;
        int fd;

        if (render) {
                fd = open(render, O_RDWR | O_CLOEXEC);
                snprintf(path, size, "%s", render);
                free(render);
                if (fd >= 0)
                        return fd;
        }
        /* Opened again, not dup()ed: a file of its own, so the GEM handles the driver gets when it
         * imports our dma-bufs are not the ones the capture closes after exporting them. */
        card = drmGetDeviceNameFromFd2(drm_fd);
        if (!card)
                return -ENODEV;
        fd = open(card, O_RDWR | O_CLOEXEC);
        snprintf(path, size, "%s", card);
        free(card);
        return fd < 0 ? -errno : fd;
}

static int setup_display(struct kms_gpu *g, int drm_fd, char *where, size_t size)
{
        const char *client = g->egl.QueryString(EGL_NO_DISPLAY, EGL_EXTENSIONS);
        int r;

        g->egl.GetPlatformDisplayEXT =
                (PFNEGLGETPLATFORMDISPLAYEXTPROC) g->egl.GetProcAddress("eglGetPlatformDisplayEXT");
        if (!g->egl.GetPlatformDisplayEXT || !has_extension(client, "EGL_EXT_platform_base"))
                return capture_set_error(-ENOTSUP, "kms: EGL lacks EGL_EXT_platform_base");
        if (drm_fd < 0) {
                if (!has_extension(client, "EGL_MESA_platform_surfaceless"))
                        return capture_set_error(-ENOTSUP, "kms: EGL lacks EGL_MESA_platform_surfaceless");
                snprintf(where, size, "the surfaceless platform");
                g->dpy = g->egl.GetPlatformDisplayEXT(EGL_PLATFORM_SURFACELESS_MESA, EGL_DEFAULT_DISPLAY, NULL);
        } else {
                if (!has_extension(client, "EGL_KHR_platform_gbm") && !has_extension(client, "EGL_MESA_platform_gbm"))
                        return capture_set_error(-ENOTSUP, "kms: EGL lacks EGL_KHR_platform_gbm");
                r = load_gbm(g);
                if (r < 0)
                        return r;
                g->fd = open_gpu_node(drm_fd, where, size);
                if (g->fd < 0)
                        return capture_set_error(g->fd, "kms: GPU read-back: cannot open the GPU's node: %m");
                g->gbm = g->gbm_create_device(g->fd);
                if (!g->gbm)
                        return capture_set_error(-ENODEV, "kms: GPU read-back: GBM has no driver for %s", where);
                g->dpy = g->egl.GetPlatformDisplayEXT(EGL_PLATFORM_GBM_KHR, g->gbm, NULL);
        }
        if (g->dpy == EGL_NO_DISPLAY)
                return capture_set_error(-ENODEV, "kms: GPU read-back: no EGL display on %s (0x%x)", where,
                                         (unsigned) g->egl.GetError());
        if (!g->egl.Initialize(g->dpy, NULL, NULL)) {
                g->dpy = EGL_NO_DISPLAY; /* nothing to terminate */
                return capture_set_error(-ENODEV, "kms: GPU read-back: EGL does not initialize on %s (0x%x)", where,
                                         (unsigned) g->egl.GetError());
        }
        return 0;
}

static int setup_context(struct kms_gpu *g)
{
        static const EGLint config_attrs[] = { EGL_RENDERABLE_TYPE, EGL_OPENGL_ES2_BIT, EGL_SURFACE_TYPE, 0,
                                               EGL_NONE };
        static const EGLint context_attrs[] = { EGL_CONTEXT_CLIENT_VERSION, 2, EGL_NONE };
        const char *ext = g->egl.QueryString(g->dpy, EGL_EXTENSIONS);
        EGLConfig config = EGL_NO_CONFIG_KHR;
        EGLint n = 0;

        /* Mesa's surfaceless platform (tests) may lack it: then only memory uploads work. */
        g->has_dmabuf = has_extension(ext, "EGL_EXT_image_dma_buf_import");
        if (!g->has_dmabuf && g->gbm)
                return capture_set_error(-ENOTSUP, "kms: GPU read-back: EGL lacks EGL_EXT_image_dma_buf_import");
        if (!has_extension(ext, "EGL_KHR_surfaceless_context"))
                return capture_set_error(-ENOTSUP, "kms: GPU read-back: EGL lacks EGL_KHR_surfaceless_context");
        g->has_modifiers = has_extension(ext, "EGL_EXT_image_dma_buf_import_modifiers");
        g->egl.CreateImageKHR = (PFNEGLCREATEIMAGEKHRPROC) g->egl.GetProcAddress("eglCreateImageKHR");
        g->egl.DestroyImageKHR = (PFNEGLDESTROYIMAGEKHRPROC) g->egl.GetProcAddress("eglDestroyImageKHR");
        if (!g->egl.CreateImageKHR || !g->egl.DestroyImageKHR)
                return capture_set_error(-ENOTSUP, "kms: GPU read-back: EGL lacks eglCreateImageKHR");
        if (!g->egl.BindAPI(EGL_OPENGL_ES_API))
                return capture_set_error(-ENOTSUP, "kms: GPU read-back: EGL has no OpenGL ES");
        if (!has_extension(ext, "EGL_KHR_no_config_context") &&
            (!g->egl.ChooseConfig(g->dpy, config_attrs, &config, 1, &n) || n < 1))
                return capture_set_error(-ENOTSUP, "kms: GPU read-back: no EGL config for OpenGL ES 2");
        g->ctx = g->egl.CreateContext(g->dpy, config, EGL_NO_CONTEXT, context_attrs);
        if (g->ctx == EGL_NO_CONTEXT)
                return capture_set_error(-ENODEV, "kms: GPU read-back: no OpenGL ES 2 context (0x%x)",
                                         (unsigned) g->egl.GetError());
        return 0;
}

static int setup_gl(struct kms_gpu *g)
{
        const char *ext;

        if (!make_current(g))
                return capture_set_error(-ENODEV, "kms: GPU read-back: cannot make the context current (0x%x)",
                                         (unsigned) g->egl.GetError());
        ext = (const char *) g->gl.GetString(GL_EXTENSIONS);
        if (!has_extension(ext, "GL_OES_EGL_image_external"))
                return capture_set_error(-ENOTSUP, "kms: GPU read-back: GL lacks GL_OES_EGL_image_external");
        g->has_bgra = has_extension(ext, "GL_EXT_texture_format_BGRA8888");
        g->gl.EGLImageTargetTexture2DOES =
                (PFNGLEGLIMAGETARGETTEXTURE2DOESPROC) g->egl.GetProcAddress("glEGLImageTargetTexture2DOES");
        if (!g->gl.EGLImageTargetTexture2DOES)
                return capture_set_error(-ENOTSUP, "kms: GPU read-back: GL lacks glEGLImageTargetTexture2DOES");
        g->gl.GetIntegerv(GL_MAX_TEXTURE_SIZE, &g->max_size);
        g->prog_external = link_program(g, fragment_external_src);
        if (!g->prog_external)
                return -ENOTSUP;
        g->prog_2d = link_program(g, fragment_2d_src);
        if (!g->prog_2d)
                return -ENOTSUP;
        g->gl.GenTextures(1, &g->src_tex);
        g->gl.GenTextures(1, &g->dst_tex);
        g->gl.GenFramebuffers(1, &g->fbo);
        return 0;
}

int kms_gpu_new(int drm_fd, struct kms_gpu **ret)
{
        _cleanup_(kms_gpu_freep) struct kms_gpu *g = NULL;
        char where[128] = "";
        const char *renderer;
        int r;

        g = calloc(1, sizeof(*g));
        if (!g)
                return -ENOMEM;
        g->fd = -1;
        g->dpy = EGL_NO_DISPLAY;
        g->ctx = EGL_NO_CONTEXT;
        g->image = EGL_NO_IMAGE_KHR;
        r = load_functions(g);
        if (r < 0)
                return r;
        r = setup_display(g, drm_fd, where, sizeof(where));
        if (r < 0)
                return r;
        r = setup_context(g);
        if (r < 0)
                return r;
        r = setup_gl(g);
        if (r < 0) {
                release_current(g);
                return r;
        }
        renderer = (const char *) g->gl.GetString(GL_RENDERER);
        snprintf(g->describe, sizeof(g->describe), "%s%s, EGL %.8s, %s%s", drm_fd >= 0 ? "GBM on " : "", where,
                 g->egl.QueryString(g->dpy, EGL_VERSION) ?: "?", renderer ?: "?",
                 g->has_modifiers ? "" : ", no modifier import");
        release_current(g);
        *ret = steal_ptr(g);
        return 0;
}

static void drop_image(struct kms_gpu *g)
{
        if (g->image != EGL_NO_IMAGE_KHR)
                (void) g->egl.DestroyImageKHR(g->dpy, g->image);
        g->image = EGL_NO_IMAGE_KHR;
        g->src_target = 0;
}

struct kms_gpu *kms_gpu_free(struct kms_gpu *g)
{
        if (!g)
                return NULL;
        if (g->ctx != EGL_NO_CONTEXT && make_current(g)) {
                if (g->fbo)
                        g->gl.DeleteFramebuffers(1, &g->fbo);
                if (g->src_tex)
                        g->gl.DeleteTextures(1, &g->src_tex);
                if (g->dst_tex)
                        g->gl.DeleteTextures(1, &g->dst_tex);
                if (g->prog_external)
                        g->gl.DeleteProgram(g->prog_external);
                if (g->prog_2d)
                        g->gl.DeleteProgram(g->prog_2d);
                drop_image(g);
                release_current(g);
        }
        if (g->ctx != EGL_NO_CONTEXT)
                (void) g->egl.DestroyContext(g->dpy, g->ctx);
        if (g->dpy != EGL_NO_DISPLAY) {
                (void) g->egl.Terminate(g->dpy);
                (void) g->egl.ReleaseThread();
        }
        if (g->gbm)
                g->gbm_device_destroy(g->gbm);
        if (g->fd >= 0)
                close(g->fd);
        /* No dlclose(): the driver may have left threads or atexit handlers behind, and a second
         * kms_gpu_new() finds the libraries loaded. */
        free(g);
        return NULL;
}

const char *kms_gpu_describe(const struct kms_gpu *g)
{
        return g->describe;
}

/* The destination texture and framebuffer for a width x height picture. */
static int prepare_target(struct kms_gpu *g, unsigned width, unsigned height)
{
        GLenum status;

        if (width == 0 || height == 0 || width > (unsigned) g->max_size || height > (unsigned) g->max_size)
                return capture_set_error(-E2BIG, "kms: GPU read-back: %ux%u is over the GPU's %d", width, height,
                                         (int) g->max_size);
        if (width == g->width && height == g->height)
                return 0;
        g->gl.BindTexture(GL_TEXTURE_2D, g->dst_tex);
        g->gl.TexImage2D(GL_TEXTURE_2D, 0, GL_RGBA, width, height, 0, GL_RGBA, GL_UNSIGNED_BYTE, NULL);
        g->gl.TexParameteri(GL_TEXTURE_2D, GL_TEXTURE_MIN_FILTER, GL_NEAREST);
        g->gl.TexParameteri(GL_TEXTURE_2D, GL_TEXTURE_MAG_FILTER, GL_NEAREST);
        g->gl.BindFramebuffer(GL_FRAMEBUFFER, g->fbo);
        g->gl.FramebufferTexture2D(GL_FRAMEBUFFER, GL_COLOR_ATTACHMENT0, GL_TEXTURE_2D, g->dst_tex, 0);
        status = g->gl.CheckFramebufferStatus(GL_FRAMEBUFFER);
        if (status != GL_FRAMEBUFFER_COMPLETE) {
                g->width = g->height = 0;
                return capture_set_error(-ENOTSUP, "kms: GPU read-back: %ux%u RGBA target incomplete (0x%x)",
                                         width, height, (unsigned) status);
        }
        g->width = width;
        g->height = height;
        return 0;
}

static void fourcc_text(uint32_t fourcc, char buf[5])
{
        for (int i = 0; i < 4; i++) {
                char ch = (char) (fourcc >> (8 * i));

                buf[i] = ch >= ' ' && ch <= '~' ? ch : '?';
        }
        buf[4] = '\0';
}

int kms_gpu_import(struct kms_gpu *g, const struct kms_gpu_fb *fb)
{
        static const EGLint plane_attrs[4][5] = {
                { EGL_DMA_BUF_PLANE0_FD_EXT, EGL_DMA_BUF_PLANE0_OFFSET_EXT, EGL_DMA_BUF_PLANE0_PITCH_EXT,
                  EGL_DMA_BUF_PLANE0_MODIFIER_LO_EXT, EGL_DMA_BUF_PLANE0_MODIFIER_HI_EXT },
                { EGL_DMA_BUF_PLANE1_FD_EXT, EGL_DMA_BUF_PLANE1_OFFSET_EXT, EGL_DMA_BUF_PLANE1_PITCH_EXT,
                  EGL_DMA_BUF_PLANE1_MODIFIER_LO_EXT, EGL_DMA_BUF_PLANE1_MODIFIER_HI_EXT },
                { EGL_DMA_BUF_PLANE2_FD_EXT, EGL_DMA_BUF_PLANE2_OFFSET_EXT, EGL_DMA_BUF_PLANE2_PITCH_EXT,
                  EGL_DMA_BUF_PLANE2_MODIFIER_LO_EXT, EGL_DMA_BUF_PLANE2_MODIFIER_HI_EXT },
                { EGL_DMA_BUF_PLANE3_FD_EXT, EGL_DMA_BUF_PLANE3_OFFSET_EXT, EGL_DMA_BUF_PLANE3_PITCH_EXT,
                  EGL_DMA_BUF_PLANE3_MODIFIER_LO_EXT, EGL_DMA_BUF_PLANE3_MODIFIER_HI_EXT },
        };
        EGLint attrs[6 + 4 * 10 + 1];
        bool with_modifier = fb->modifier != 0; /* LINEAR needs no modifier attribute (nor the extension) */
        char f[5];
        size_t n = 0;
        int r;

        fourcc_text(fb->fourcc, f);
        if (fb->n_planes < 1 || fb->n_planes > 4)
                return capture_set_error(-EINVAL, "kms: GPU read-back: %u planes", fb->n_planes);
        if (!g->has_dmabuf)
                return capture_set_error(-ENOTSUP, "kms: GPU read-back: EGL lacks EGL_EXT_image_dma_buf_import");
        if (with_modifier && !g->has_modifiers)
                return capture_set_error(-ENOTSUP,
                                         "kms: GPU read-back: EGL lacks EGL_EXT_image_dma_buf_import_modifiers, "
                                         "needed for %s with modifier 0x%llx",
                                         f, (unsigned long long) fb->modifier);
        attrs[n++] = EGL_WIDTH;
        attrs[n++] = (EGLint) fb->width;
        attrs[n++] = EGL_HEIGHT;
        attrs[n++] = (EGLint) fb->height;
        attrs[n++] = EGL_LINUX_DRM_FOURCC_EXT;
        attrs[n++] = (EGLint) fb->fourcc;
        for (unsigned i = 0; i < fb->n_planes; i++) {
                attrs[n++] = plane_attrs[i][0];
                attrs[n++] = fb->planes[i].fd;
                attrs[n++] = plane_attrs[i][1];
                attrs[n++] = (EGLint) fb->planes[i].offset;
                attrs[n++] = plane_attrs[i][2];
                attrs[n++] = (EGLint) fb->planes[i].pitch;
                if (with_modifier) {
                        attrs[n++] = plane_attrs[i][3];
                        attrs[n++] = (EGLint) (fb->modifier & 0xffffffffu);
                        attrs[n++] = plane_attrs[i][4];
                        attrs[n++] = (EGLint) (fb->modifier >> 32);
                }
        }
        attrs[n++] = EGL_NONE;

        if (!make_current(g))
                return capture_set_error(-ENODEV, "kms: GPU read-back: cannot make the context current (0x%x)",
                                         (unsigned) g->egl.GetError());
        drop_image(g);
        r = prepare_target(g, fb->width, fb->height);
        if (r < 0)
                goto out;
        g->image = g->egl.CreateImageKHR(g->dpy, EGL_NO_CONTEXT, EGL_LINUX_DMA_BUF_EXT, NULL, attrs);
        if (g->image == EGL_NO_IMAGE_KHR) {
                r = capture_set_error(-ENOTSUP,
                                      "kms: GPU read-back: the driver refuses to import %s %ux%u modifier 0x%llx "
                                      "(%u plane%s) as an EGLImage (0x%x)",
                                      f, fb->width, fb->height, (unsigned long long) fb->modifier, fb->n_planes,
                                      fb->n_planes == 1 ? "" : "s", (unsigned) g->egl.GetError());
                goto out;
        }
        g->gl.BindTexture(GL_TEXTURE_EXTERNAL_OES, g->src_tex);
        g->gl.TexParameteri(GL_TEXTURE_EXTERNAL_OES, GL_TEXTURE_MIN_FILTER, GL_NEAREST);
        g->gl.TexParameteri(GL_TEXTURE_EXTERNAL_OES, GL_TEXTURE_MAG_FILTER, GL_NEAREST);
        g->gl.EGLImageTargetTexture2DOES(GL_TEXTURE_EXTERNAL_OES, (GLeglImageOES) g->image);
        if (g->gl.GetError() != GL_NO_ERROR) {
                drop_image(g);
                r = capture_set_error(-ENOTSUP, "kms: GPU read-back: GL cannot sample the imported %s image", f);
                goto out;
        }
        g->src_target = GL_TEXTURE_EXTERNAL_OES;
        r = 0;
out:
        release_current(g);
        return r;
}

int kms_gpu_import_pixels(struct kms_gpu *g, unsigned width, unsigned height, const uint8_t *pixels, size_t stride)
{
        int r;

        if (stride != (size_t) width * 4)
                return capture_set_error(-EINVAL, "kms: GPU read-back: uploads need stride = width * 4");
        if (!g->has_bgra)
                return capture_set_error(-ENOTSUP, "kms: GPU read-back: GL lacks GL_EXT_texture_format_BGRA8888");
        if (!make_current(g))
                return capture_set_error(-ENODEV, "kms: GPU read-back: cannot make the context current");
        drop_image(g);
        r = prepare_target(g, width, height);
        if (r >= 0) {
                /* BGRA in memory is XRGB8888: sampled, red is red, as from an imported XR24 dma-buf. */
                g->gl.BindTexture(GL_TEXTURE_2D, g->src_tex);
                g->gl.PixelStorei(GL_UNPACK_ALIGNMENT, 4);
                g->gl.TexImage2D(GL_TEXTURE_2D, 0, GL_BGRA_EXT, width, height, 0, GL_BGRA_EXT, GL_UNSIGNED_BYTE,
                                 pixels);
                g->gl.TexParameteri(GL_TEXTURE_2D, GL_TEXTURE_MIN_FILTER, GL_NEAREST);
                g->gl.TexParameteri(GL_TEXTURE_2D, GL_TEXTURE_MAG_FILTER, GL_NEAREST);
                if (g->gl.GetError() != GL_NO_ERROR)
                        r = capture_set_error(-ENOTSUP, "kms: GPU read-back: GL refuses a BGRA upload");
                else
                        g->src_target = GL_TEXTURE_2D;
        }
        release_current(g);
        return r;
}

int kms_gpu_read(struct kms_gpu *g, uint8_t *dst)
{
        static const GLfloat quad[] = { -1, -1, 1, -1, -1, 1, 1, 1 };
        GLenum err;

        if (!g->src_target)
                return capture_set_error(-EINVAL, "kms: GPU read-back: nothing imported");
        if (!make_current(g))
                return capture_set_error(-ENODEV, "kms: GPU read-back: cannot make the context current (0x%x)",
                                         (unsigned) g->egl.GetError());
        g->gl.BindFramebuffer(GL_FRAMEBUFFER, g->fbo);
        g->gl.Viewport(0, 0, (GLsizei) g->width, (GLsizei) g->height);
        g->gl.UseProgram(g->src_target == GL_TEXTURE_2D ? g->prog_2d : g->prog_external);
        g->gl.ActiveTexture(GL_TEXTURE0);
        g->gl.BindTexture(g->src_target, g->src_tex);
        g->gl.EnableVertexAttribArray(0);
        g->gl.VertexAttribPointer(0, 2, GL_FLOAT, GL_FALSE, 0, quad);
        g->gl.DrawArrays(GL_TRIANGLE_STRIP, 0, 4);
        g->gl.PixelStorei(GL_PACK_ALIGNMENT, 4);
        g->gl.ReadPixels(0, 0, (GLsizei) g->width, (GLsizei) g->height, GL_RGBA, GL_UNSIGNED_BYTE, dst);
        err = g->gl.GetError();
        release_current(g);
        if (err != GL_NO_ERROR)
                return capture_set_error(-EIO, "kms: GPU read-back: drawing or reading failed (GL error 0x%x)",
                                         (unsigned) err);
        return 0;
}

# ffmpeg.cmake -- decoding any audio with FFmpeg's libavformat/libavcodec/libswresample
# (src/io/decode.c); the decoder API (src/io/audio.c) is a core source, built without it.
# WMEL_FFMPEG: ON (required), OFF (built-in WAV reader only), AUTO (when found).

if(NOT WMEL_FFMPEG STREQUAL "OFF")
  if(PKG_CONFIG_FOUND)
    pkg_check_modules(WMEL_AV IMPORTED_TARGET libavformat libavcodec libswresample libavutil)
  endif()
  if(WMEL_AV_FOUND)
    message(STATUS "wmel: decoding with FFmpeg ${WMEL_AV_libavformat_VERSION} (libavformat)")
    list(APPEND WMEL_SOURCES src/io/decode.c)
    list(APPEND WMEL_DEFS WMEL_HAVE_FFMPEG=1)
    list(APPEND WMEL_LIBS PkgConfig::WMEL_AV)
  elseif(WMEL_FFMPEG STREQUAL "ON")
    message(FATAL_ERROR "WMEL_FFMPEG=ON but FFmpeg's libraries were not found "
                        "(apt-get install libavformat-dev libavcodec-dev libswresample-dev)")
  else()
    message(STATUS "wmel: FFmpeg not found: WAV input only")
  endif()
endif()

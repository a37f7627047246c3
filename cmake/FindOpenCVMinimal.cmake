# SPDX-License-Identifier: GPL-3.0-or-later
# Finds the three OpenCV modules we use (core, imgproc, imgcodecs).
# Debian's split -dev packages ship headers and libraries but not OpenCVConfig.cmake (that comes
# only with the large libopencv-dev), so try the config package first and fall back to a search.
# Defines the imported target OpenCVMinimal::OpenCV.
find_package(OpenCV QUIET CONFIG COMPONENTS core imgproc imgcodecs)
if(OpenCV_FOUND)
  add_library(OpenCVMinimal::OpenCV INTERFACE IMPORTED)
  set_target_properties(OpenCVMinimal::OpenCV PROPERTIES
    INTERFACE_INCLUDE_DIRECTORIES "${OpenCV_INCLUDE_DIRS}"
    INTERFACE_LINK_LIBRARIES "${OpenCV_LIBS}")
  set(OpenCVMinimal_FOUND TRUE)
  return()
endif()

find_path(OpenCVMinimal_INCLUDE_DIR opencv2/core.hpp PATH_SUFFIXES opencv4)
foreach(mod core imgproc imgcodecs)
  find_library(OpenCVMinimal_${mod}_LIBRARY NAMES opencv_${mod})
  list(APPEND _ocv_libs OpenCVMinimal_${mod}_LIBRARY)
endforeach()
include(FindPackageHandleStandardArgs)
find_package_handle_standard_args(OpenCVMinimal
  REQUIRED_VARS OpenCVMinimal_INCLUDE_DIR ${_ocv_libs})
if(OpenCVMinimal_FOUND AND NOT TARGET OpenCVMinimal::OpenCV)
  add_library(OpenCVMinimal::OpenCV INTERFACE IMPORTED)
  set_target_properties(OpenCVMinimal::OpenCV PROPERTIES
    INTERFACE_INCLUDE_DIRECTORIES "${OpenCVMinimal_INCLUDE_DIR}"
    INTERFACE_LINK_LIBRARIES
      "${OpenCVMinimal_imgcodecs_LIBRARY};${OpenCVMinimal_imgproc_LIBRARY};${OpenCVMinimal_core_LIBRARY}")
endif()

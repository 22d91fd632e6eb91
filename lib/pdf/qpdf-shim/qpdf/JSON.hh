// qpdf 11.3's JSON.hh does not compile with clang in C++20 mode (a nested class with a defaulted
// destructor instantiates std::vector<JSON> while JSON is incomplete). tsign uses none of qpdf's
// JSON; QPDF.hh and QPDFObjectHandle.hh only name the class, so this declaration stands in for it
// (lib/CMakeLists.txt puts this folder before the system's include path).
#pragma once
class JSON;
